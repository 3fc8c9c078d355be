import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EtpServer } from './etp-server.js';

/**
 * Routes the WebSocket handshakes of one HTTP server to the gateway of their path. A handshake
 * for a path no gateway serves is refused at once, so a client never waits on it.
 */
export class UpgradeRouter {
  private readonly byPath = new Map<string, EtpServer>();
  private catchAll: EtpServer | undefined;
  private readonly listener = (request: IncomingMessage, stream: Duplex, head: Buffer): void =>
    this.route(request, stream, head);

  constructor(readonly httpServer: HttpServer) {
    httpServer.on('upgrade', this.listener);
  }

  add(server: EtpServer): void {
    if (server.path === undefined) {
      if (this.catchAll !== undefined) {
        throw new Error('Two ETP gateways without a path share one port: give each a path');
      }
      this.catchAll = server;
      return;
    }
    const path = normalizePath(server.path);
    if (this.byPath.has(path)) {
      throw new Error(`Two ETP servers for the path ${path} on one port`);
    }
    this.byPath.set(path, server);
  }

  remove(server: EtpServer): void {
    if (this.catchAll === server) this.catchAll = undefined;
    for (const [path, one] of this.byPath) {
      if (one === server) this.byPath.delete(path);
    }
  }

  get empty(): boolean {
    return this.catchAll === undefined && this.byPath.size === 0;
  }

  detach(): void {
    this.httpServer.off('upgrade', this.listener);
  }

  private route(request: IncomingMessage, stream: Duplex, head: Buffer): void {
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = normalizePath(query === -1 ? url : url.slice(0, query));
    const server = this.byPath.get(path) ?? this.catchAll;
    if (server === undefined) {
      refuseHandshake(stream, 404, 'Not Found');
      return;
    }
    server.handleUpgrade(request, stream, head);
  }
}

/**
 * Answers a handshake with an HTTP error and closes the stream. The stream of an upgrade has no
 * error listener left: a peer resetting it meanwhile must not become an uncaught error.
 */
export function refuseHandshake(stream: Duplex, status: number, text: string): void {
  stream.on('error', () => stream.destroy());
  stream.once('finish', () => stream.destroy());
  stream.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export function normalizePath(path: string): string {
  let normalized = path.startsWith('/') ? path : `/${path}`;
  while (normalized.length > 1 && normalized.endsWith('/')) normalized = normalized.slice(0, -1);
  return normalized;
}
