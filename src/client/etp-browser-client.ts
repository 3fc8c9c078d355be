import { EtpClientBase, type EtpClientBaseOptions, type EtpLogLevel } from './etp-client-base.js';
import {
  createBrowserTransport,
  type EtpWebSocketClass,
  type EtpWebSocketConstructor,
} from './browser-transport.js';
import type { EtpTransport, EtpTransportListener } from './transport.js';

export interface EtpBrowserClientOptions extends EtpClientBaseOptions {
  /** The WebSocket implementation. Default: the global `WebSocket`. */
  WebSocket?: EtpWebSocketClass;
}

/**
 * The ETP client for browsers, over the global `WebSocket`; the same protocol code as
 * `EtpClient`. A relative URL (`/ws`) is resolved against the page, `http` becoming `ws`.
 */
export class EtpBrowserClient extends EtpClientBase {
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

  protected createTransport(url: string, listener: EtpTransportListener): EtpTransport {
    return createBrowserTransport(this.WebSocketImpl, url, listener);
  }

  protected override log(level: EtpLogLevel, message: string, error?: unknown): void {
    if (level === 'error') console.error(message, error);
  }
}

function resolveWsUrl(url: string): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  const resolved = new URL(url, base);
  if (resolved.protocol === 'http:') resolved.protocol = 'ws:';
  else if (resolved.protocol === 'https:') resolved.protocol = 'wss:';
  return resolved.toString();
}
