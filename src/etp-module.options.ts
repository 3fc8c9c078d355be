import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { EtpClientOptions } from './client/etp-client.js';
import type { EtpBroker, EtpRecoveryOptions } from './rooms/etp-broker.js';

/** What `EtpModule.forRoot()` takes, or what the `forRootAsync()` factory returns. */
export interface EtpModuleOptions {
  /** The default client, injected as `EtpClient`. Without `url`, call `connect(url)` yourself. */
  client?: EtpClientOptions;
  /** Named clients, injected with `@InjectEtpClient(name)`. */
  clients?: Readonly<Record<string, EtpClientOptions>>;
  /** Carries rooms and broadcasts to the other instances (default: in memory, one process). */
  broker?: EtpBroker;
  /**
   * How many rooms one connection may be in (default 10 000). A join past it throws
   * `EtpRoomLimitError` and joins none of the rooms asked; `socketsJoin` leaves such a
   * connection out. It bounds what one connection can make an instance hold (a membership costs
   * some 250 bytes, and is listed in every `fetchSockets` reply) where a handler joins rooms
   * the peer names.
   */
  maxRoomsPerSocket?: number;
  /**
   * Keeps each room's broadcasts made with `emit` for clients that lose their connection: on
   * reconnect, to any instance, the rooms `handleConnection` joins get what they missed, in
   * order, before anything newer (`socket.recovered`; the client's `onConnect({ recovered })`).
   * Kept per room: at most `maxMessages` broadcasts, none older than `maxDisconnection` ms; in
   * this process with the in-memory broker, in Redis with `EtpRedisBroker`. Off by default.
   */
  recovery?: EtpRecoveryOptions;
}

/** How the module is registered, beside its options. */
export interface EtpModuleExtras {
  /** Whether the module is global (default `true`): import it once, in the root module. */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass: EtpConfigurableModule,
  /** Injection token of the `EtpModuleOptions` the module was given. */
  MODULE_OPTIONS_TOKEN: ETP_MODULE_OPTIONS,
  ASYNC_OPTIONS_TYPE: ETP_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<EtpModuleOptions>({ moduleName: 'Etp' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createEtpOptions')
  .setExtras<EtpModuleExtras>({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** A class for `forRootAsync({ useClass })` / `useExisting`. */
export interface EtpOptionsFactory {
  /** Returns the module's options; called once, as the module is created. */
  createEtpOptions(): EtpModuleOptions | Promise<EtpModuleOptions>;
}

/**
 * What `EtpModule.forRootAsync()` takes: `useFactory` (with `inject`), `useClass` or
 * `useExisting`, and the names of the named clients, which must be known before the options are.
 */
export type EtpModuleAsyncOptions = typeof ETP_ASYNC_OPTIONS_TYPE & {
  /** The names of the named clients the factory's `clients` configures. */
  clients?: readonly string[];
};
