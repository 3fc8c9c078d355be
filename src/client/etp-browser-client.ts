import type { EtpClientBaseOptions, EtpLogLevel } from './client-options.js';
import type { EtpDefaultEventsMap, EtpEventsMap } from '../protocol/event-map.js';
import { EtpClientBase } from './etp-client-base.js';
import {
  createBrowserTransport,
  type EtpWebSocketClass,
  type EtpWebSocketConstructor,
} from './browser-transport.js';
import type { ClientTransport, ClientTransportListener } from './transport.js';
import { resolveWsUrl } from './url.js';

export interface EtpBrowserClientOptions extends EtpClientBaseOptions {
  /** The WebSocket implementation. Default: the global `WebSocket`. */
  WebSocket?: EtpWebSocketClass;
}

/**
 * The ETP client for browsers, over the global `WebSocket`; the same protocol code as
 * `EtpClient`. A relative URL (`/ws`) is resolved against the page, `http` becoming `ws`.
 * Typed with the server's and its own event maps: `EtpBrowserClient<ServerEvents, ClientEvents>`.
 */
export class EtpBrowserClient<
  EmitEvents extends EtpEventsMap = EtpDefaultEventsMap,
  ListenEvents extends EtpEventsMap = EtpDefaultEventsMap,
> extends EtpClientBase<EmitEvents, ListenEvents> {
  private readonly WebSocketImpl: EtpWebSocketConstructor;

  constructor(url: string, options: EtpBrowserClientOptions = {}) {
    super(resolveWsUrl(url), options);
    const impl = options.WebSocket ?? (globalThis as { WebSocket?: EtpWebSocketClass }).WebSocket;
    if (impl === undefined) {
      throw new TypeError('No global WebSocket here: pass one as options.WebSocket');
    }
    this.WebSocketImpl = impl as EtpWebSocketConstructor;
  }

  override connect(url?: string): Promise<void> {
    return super.connect(url === undefined ? undefined : resolveWsUrl(url));
  }

  protected createTransport(url: string, listener: ClientTransportListener): ClientTransport {
    return createBrowserTransport(this.WebSocketImpl, url, listener);
  }

  protected override log(level: EtpLogLevel, message: string, error?: unknown): void {
    if (level === 'error') console.error(message, error);
  }
}
