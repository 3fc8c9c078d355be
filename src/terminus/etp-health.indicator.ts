import { Injectable } from '@nestjs/common';
import { ApplicationConfig, ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ETP_BROKER } from '../etp.tokens.js';
import type { EtpBroker } from '../rooms/etp-broker.js';
import { EtpAdapter, type EtpGatewayStatus } from '../server/etp-adapter.js';

/** What the indicator reports under its key, beside `status`. */
export interface EtpHealthDetails {
  /** Every gateway's server: path, port, whether it listens, its open connections. */
  gateways: EtpGatewayStatus[];
  /** The broker of the rooms, and whether it reaches its backend. */
  broker: {
    /** The broker's class name. */
    name: string;
    /** Whether it reaches its backend (a broker without `isConnected()` always does). */
    connected: boolean;
  };
  /** Why the status is down; absent when up. */
  message?: string;
}

/**
 * A `@nestjs/terminus` health indicator for ETP: up while every gateway's server is listening
 * and the rooms' broker reaches its backend. List it in the providers of a module that imports
 * `TerminusModule`, and check it with `() => etp.isHealthy('etp')`.
 */
@Injectable()
export class EtpHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    // Every module holds the application's config, and with it the adapter the app was given.
    private readonly config: ApplicationConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  /**
   * Up when the adapter is an `EtpAdapter`, every gateway listens and the broker is connected;
   * down (`HealthCheckService` answers 503) otherwise.
   */
  isHealthy<const Key extends string = 'etp'>(
    key: Key = 'etp' as Key,
  ): HealthIndicatorResult<Key, 'up' | 'down', EtpHealthDetails> {
    const check = this.health.check(key);
    const configured = this.configuredBroker();
    const broker = {
      name: configured?.constructor.name ?? 'EtpInMemoryBroker',
      connected: configured?.isConnected?.() ?? true,
    };
    const adapter: unknown = this.config.getIoAdapter();
    if (!(adapter instanceof EtpAdapter)) {
      const message =
        'the WebSocket adapter is not an EtpAdapter: app.useWebSocketAdapter(new EtpAdapter(app))';
      return check.down({ gateways: [], broker, message });
    }
    const gateways = adapter.gatewayStatus();
    const problems = gateways.filter((gateway) => !gateway.listening).map(notListening);
    if (!broker.connected) problems.push(`the broker ${broker.name} is not connected`);
    if (problems.length > 0) return check.down({ gateways, broker, message: problems.join('; ') });
    return check.up({ gateways, broker });
  }

  /**
   * The broker given to `EtpModule`, wherever the module is imported (it need not be global),
   * as Terminus's own indicators find their connections. `undefined` without EtpModule, or with
   * its default broker: in memory either way.
   */
  private configuredBroker(): EtpBroker | undefined {
    try {
      return this.moduleRef.get<EtpBroker | undefined>(ETP_BROKER, { strict: false });
    } catch {
      return undefined;
    }
  }
}

function notListening(gateway: EtpGatewayStatus): string {
  const path = gateway.path ?? '(every path)';
  const port = gateway.port === undefined ? "the application's port" : `port ${gateway.port}`;
  return `the gateway ${path} on ${port} is not listening`;
}
