import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EtpClient } from './client/etp-client.js';
import { EtpEventExplorer } from './client/etp-event-explorer.js';
import type { EtpModuleAsyncOptions, EtpModuleOptions } from './client/module-options.js';
import { ETP_MODULE_OPTIONS, getEtpClientToken } from './client/tokens.js';
import { EtpRoomsService } from './rooms/etp-rooms.service.js';

/**
 * Import once, in the root module: `EtpModule.forRoot()`. It is global and exports
 * `EtpRoomsService`, which `EtpAdapter` feeds with every connection, and `EtpClient`, which
 * connects on bootstrap when `forRoot({ client: { url } })` configures it.
 */
@Module({})
export class EtpModule {
  static forRoot(options: EtpModuleOptions = {}): DynamicModule {
    return EtpModule.assemble(
      { provide: ETP_MODULE_OPTIONS, useValue: options },
      Object.keys(options.clients ?? {}),
      [],
    );
  }

  /** The options come from a factory, e.g. one reading a `ConfigService`. */
  static forRootAsync(options: EtpModuleAsyncOptions): DynamicModule {
    return EtpModule.assemble(
      {
        provide: ETP_MODULE_OPTIONS,
        useFactory: options.useFactory as (...args: unknown[]) => EtpModuleOptions,
        inject: options.inject ?? [],
      },
      options.clients ?? [],
      options.imports ?? [],
    );
  }

  private static assemble(
    optionsProvider: Provider,
    names: readonly string[],
    imports: NonNullable<EtpModuleAsyncOptions['imports']>,
  ): DynamicModule {
    const clients: Provider[] = [
      {
        provide: EtpClient,
        useFactory: (options: EtpModuleOptions) => new EtpClient(options.client),
        inject: [ETP_MODULE_OPTIONS],
      },
      ...names.map((name): Provider => ({
        provide: getEtpClientToken(name),
        useFactory: (options: EtpModuleOptions) => {
          const clientOptions = options.clients?.[name];
          if (clientOptions === undefined) {
            throw new Error(`EtpModule: no options for the ETP client "${name}"`);
          }
          return new EtpClient(clientOptions, name);
        },
        inject: [ETP_MODULE_OPTIONS],
      })),
    ];
    return {
      module: EtpModule,
      global: true,
      imports: [DiscoveryModule, ...imports],
      providers: [EtpRoomsService, optionsProvider, ...clients, EtpEventExplorer],
      exports: [EtpRoomsService, EtpClient, ...names.map((name) => getEtpClientToken(name))],
    };
  }
}
