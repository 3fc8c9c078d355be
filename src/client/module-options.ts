import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency } from '@nestjs/common';
import type { EtpClientOptions } from './etp-client.js';

/** What `EtpModule.forRoot()` takes. */
export interface EtpModuleOptions {
  /** The default client, injected as `EtpClient`. Without `url`, call `connect(url)` yourself. */
  client?: EtpClientOptions;
  /** Named clients, injected with `@InjectEtpClient(name)`. */
  clients?: Readonly<Record<string, EtpClientOptions>>;
}

/** What `EtpModule.forRootAsync()` takes: the options come from a factory. */
export interface EtpModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  useFactory: (...args: never[]) => EtpModuleOptions | Promise<EtpModuleOptions>;
  /** The names of the named clients the factory configures (they must be known up front). */
  clients?: readonly string[];
}
