import {
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  DEFAULT_CLIENT_MAX_PAYLOAD,
  type EtpClientBaseOptions,
  type EtpLogLevel,
} from './client-options.js';
import type { EtpDefaultEventsMap, EtpEventsMap } from '../protocol/event-map.js';
import { EtpClientBase } from './etp-client-base.js';
import type { ClientTransport, ClientTransportListener } from './transport.js';
import { createWsTransport } from './ws-transport.js';

/** Settings of an `EtpClient`. */
export interface EtpClientOptions extends EtpClientBaseOptions {
  /** The server's URL, e.g. `ws://billing:8080/ws`. */
  url?: string;
  /** HTTP headers of the handshake (authorization, say). */
  headers?: Readonly<Record<string, string>>;
  /**
   * Connect when the application boots (a URL being set); in an app with an HTTP server, once
   * that server listens, so a client may point at its own app's gateway. A server that is down
   * does not hold the boot: the client keeps trying in the background. Default `true`.
   */
  connectOnBootstrap?: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a client of any event maps
type AnyEtpClient = EtpClient<any, any>;

/** Clients whose bootstrap connection waits for something: their app's HTTP server to listen. */
const bootstrapGates = new WeakMap<AnyEtpClient, Promise<void>>();

/**
 * Makes the client's bootstrap connection wait for `gate` (its app's HTTP server listening): a
 * client pointed at its own app's gateway would otherwise be refused once on every boot.
 */
export function deferBootstrapConnection(client: AnyEtpClient, gate: Promise<void>): void {
  bootstrapGates.set(client, gate);
}

/**
 * A Node ETP client over `ws`, injectable in any provider once `EtpModule.forRoot()` is
 * imported. Configured with a URL, it connects on application bootstrap and closes on shutdown.
 * Typed with the server's and its own event maps: `EtpClient<ServerEvents, ClientEvents>`.
 */
export class EtpClient<
  EmitEvents extends EtpEventsMap = EtpDefaultEventsMap,
  ListenEvents extends EtpEventsMap = EtpDefaultEventsMap,
>
  extends EtpClientBase<EmitEvents, ListenEvents>
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  /** The client's name when it is one of several (`@InjectEtpClient('billing')`). */
  readonly name: string | undefined;
  private readonly logger: Logger;
  private shuttingDown = false;

  constructor(options: EtpClientOptions = {}, name?: string) {
    super(options.url, options);
    this.name = name;
    this.logger = new Logger(name === undefined ? 'EtpClient' : `EtpClient:${name}`);
  }

  /** Sends a WebSocket ping and resolves on the pong (timeout: the ack timeout). */
  ping(options?: { timeout?: number }): Promise<void> {
    return this.pingServer(options?.timeout);
  }

  /**
   * Nest calls it: connects when the options give a `url` and `connectOnBootstrap` is not `false`.
   */
  async onApplicationBootstrap(): Promise<void> {
    const options = this.options as EtpClientOptions;
    if (this.url === undefined || options.connectOnBootstrap === false) return;
    const gate = bootstrapGates.get(this);
    if (gate !== undefined) {
      // Listening comes after the bootstrap: waiting for it here would hold the boot forever.
      void gate.then(() => {
        if (!this.shuttingDown) this.start(undefined, true).catch(() => undefined);
      });
      return;
    }
    // Waits for the first attempt only; a failure is logged and retried in the background.
    await this.start(undefined, true).catch(() => undefined);
  }

  /** Nest calls it: closes the connection and stops reconnecting. */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.close();
  }

  protected createTransport(url: string, listener: ClientTransportListener): ClientTransport {
    const options = this.options as EtpClientOptions;
    return createWsTransport(
      url,
      {
        headers: options.headers,
        maxPayload: options.maxPayload ?? DEFAULT_CLIENT_MAX_PAYLOAD,
      },
      listener,
    );
  }

  protected override log(level: EtpLogLevel, message: string, error?: unknown): void {
    if (level === 'error') {
      const cause = error instanceof Error ? (error.cause ?? error) : error;
      this.logger.error(message, cause instanceof Error ? cause.stack : undefined);
    } else {
      this.logger[level](message);
    }
  }
}
