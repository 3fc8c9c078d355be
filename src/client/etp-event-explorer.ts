import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import type { EtpClient } from './etp-client.js';
import { ETP_EVENT_METADATA, type EtpEventBinding } from './on-etp-event.decorator.js';
import { getEtpClientToken } from './tokens.js';

/**
 * Finds the `@OnEtpEvent` methods of every provider once all are created, and sets them as
 * handlers of their client before any client connects (clients connect on bootstrap).
 */
@Injectable()
export class EtpEventExplorer implements OnModuleInit {
  private readonly logger = new Logger('EtpClient');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    const seen = new Set<object>();
    const owners = new Map<string, string>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (typeof instance !== 'object' || instance === null || seen.has(instance)) continue;
      seen.add(instance);
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
