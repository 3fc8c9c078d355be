import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EtpClient } from './client/etp-client.js';
import { EtpEventExplorer } from './client/etp-event-explorer.js';
import { getEtpClientToken } from './client/tokens.js';
import {
  ETP_MODULE_OPTIONS,
  EtpConfigurableModule,
  type EtpModuleAsyncOptions,
  type EtpModuleExtras,
  type EtpModuleOptions,
} from './etp-module.options.js';
import { ETP_BROKER, ETP_CONNECTION_OBSERVER } from './etp.tokens.js';
import { EtpRoomsService } from './rooms/etp-rooms.service.js';

/**
 * Import once, in the root module: `EtpModule.forRoot()`. It is global (unless `isGlobal:
 * false`) and exports `EtpRoomsService`, which `EtpAdapter` feeds with every connection, and
 * `EtpClient`, which connects on bootstrap when `forRoot({ client: { url } })` configures it.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: ETP_BROKER,
      useFactory: (options: EtpModuleOptions) => options.broker,
      inject: [ETP_MODULE_OPTIONS],
    },
    EtpRoomsService,
    {
      provide: ETP_CONNECTION_OBSERVER,
      useFactory: (rooms: EtpRoomsService) => rooms.registry,
      inject: [EtpRoomsService],
    },
    {
      provide: EtpClient,
      useFactory: (options: EtpModuleOptions) => new EtpClient(options.client),
      inject: [ETP_MODULE_OPTIONS],
    },
    EtpEventExplorer,
  ],
  exports: [EtpRoomsService, EtpClient, ETP_CONNECTION_OBSERVER],
})
export class EtpModule extends EtpConfigurableModule {
  /** The module with these options: the default client, named clients, the rooms' broker. */
  static override forRoot(options: EtpModuleOptions & EtpModuleExtras = {}): DynamicModule {
    return withNamedClients(super.forRoot(options), Object.keys(options.clients ?? {}));
  }

  /** The options come from a factory or a class, e.g. one reading a `ConfigService`. */
  static override forRootAsync(options: EtpModuleAsyncOptions): DynamicModule {
    const { clients, ...rest } = options;
    return withNamedClients(super.forRootAsync(rest), clients ?? []);
  }
}

function withNamedClients(definition: DynamicModule, names: readonly string[]): DynamicModule {
  if (names.length === 0) return definition;
  const providers = names.map((name): Provider => ({
    provide: getEtpClientToken(name),
    useFactory: (options: EtpModuleOptions) => {
      const clientOptions = options.clients?.[name];
      if (clientOptions === undefined) {
        throw new Error(`EtpModule: no options for the ETP client "${name}"`);
      }
      return new EtpClient(clientOptions, name);
    },
    inject: [ETP_MODULE_OPTIONS],
  }));
  return {
    ...definition,
    providers: [...(definition.providers ?? []), ...providers],
    exports: [...(definition.exports ?? []), ...names.map((name) => getEtpClientToken(name))],
  };
}
