import type { Server } from 'node:net';
import { Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost, MetadataScanner, ModuleRef } from '@nestjs/core';
import { deferBootstrapConnection, EtpClient } from './etp-client.js';
import { ETP_EVENT_METADATA, type EtpEventBinding } from './on-etp-event.decorator.js';
import { getEtpClientToken } from './tokens.js';

/**
 * Finds the `@OnEtpEvent` methods of every provider once all are created, and sets them as
 * handlers of their client before any client connects (clients connect on bootstrap). In an app
 * with an HTTP server, it also holds the clients' bootstrap connection until that server listens.
 */
@Injectable()
export class EtpEventExplorer implements OnModuleInit {
  private readonly logger = new Logger('EtpClient');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly moduleRef: ModuleRef,
    @Optional() private readonly httpAdapterHost?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const listening = this.whenListening();
    const seen = new Set<object>();
    const owners = new Map<string, string>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (typeof instance !== 'object' || instance === null || seen.has(instance)) continue;
      seen.add(instance);
      if (listening !== undefined && instance instanceof EtpClient) {
        deferBootstrapConnection(instance, listening);
      }
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (prototype === null) continue;
      for (const key of this.scanner.getAllMethodNames(prototype)) {
        const method = (instance as Record<string, unknown>)[key];
        if (typeof method !== 'function') continue;
        const bindings: EtpEventBinding[] | undefined = Reflect.getMetadata(
          ETP_EVENT_METADATA,
          method,
        );
        if (bindings === undefined) continue;
        const owner = `${instance.constructor.name}.${key}`;
        if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
          this.logger.warn(`@OnEtpEvent on ${owner} ignored: the provider is not a singleton`);
          continue;
        }
        const handler = (method as (data: unknown, event: string) => unknown).bind(instance);
        for (const binding of bindings) {
          const key = `${binding.client ?? ''}\u0000${binding.event}`;
          const previous = owners.get(key);
          if (previous !== undefined) {
            this.logger.warn(
              `@OnEtpEvent('${binding.event}') on ${owner} replaces the one on ${previous}`,
            );
          }
          owners.set(key, owner);
          this.bind(binding, handler, owner);
        }
      }
    }
  }

  /**
   * The HTTP server's 'listening' event when there is a server not listening yet (`app.listen()`
   * comes after the bootstrap); none in an application context, which has no HTTP server.
   */
  private whenListening(): Promise<void> | undefined {
    const server = this.httpAdapterHost?.httpAdapter?.getHttpServer() as Server | undefined;
    if (server === undefined || server === null || server.listening) return undefined;
    // Never rejects: a server that fails to listen fails the app's listen() itself.
    return new Promise((resolve) => server.once('listening', () => resolve()));
  }

  private bind(
    binding: EtpEventBinding,
    handler: (data: unknown, event: string) => unknown,
    owner: string,
  ): void {
    let client: EtpClient;
    try {
      client = this.moduleRef.get<EtpClient>(getEtpClientToken(binding.client));
    } catch {
      throw new Error(
        `@OnEtpEvent('${binding.event}') on ${owner} names the ETP client "${binding.client}", ` +
          'which EtpModule.forRoot({ clients }) does not configure',
      );
    }
    client.on(binding.event, handler);
  }
}
