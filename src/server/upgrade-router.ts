import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EtpServer } from './etp-server.js';
import { refuseHandshake } from './refuse-handshake.js';

/**
 * Routes the WebSocket handshakes of one HTTP server to the gateway of their path. A handshake
 * for a path no gateway serves is refused at once, so a client never waits on it: with 404, or
 * with 503 once the gateway of that path has shut down (the application is closing; the HTTP
 * server still accepts connections until it closes too).
 */
export class UpgradeRouter {
  private readonly byPath = new Map<string, EtpServer>();
  private catchAll: EtpServer | undefined;
  /** Paths whose gateway has shut down, and whether the one without a path has. */
  private readonly closedPaths = new Set<string>();
  private catchAllClosed = false;
  private detached = false;
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
      this.catchAllClosed = false;
      return;
    }
    const path = normalizePath(server.path);
    if (this.byPath.has(path)) {
      throw new Error(`Two ETP servers for the path ${path} on one port`);
    }
    this.byPath.set(path, server);
    this.closedPaths.delete(path);
  }

  /** Forgets a gateway that has shut down; its handshakes get 503 from now on. */
  remove(server: EtpServer): void {
    if (this.catchAll === server) {
      this.catchAll = undefined;
      this.catchAllClosed = true;
    }
    for (const [path, one] of this.byPath) {
      if (one !== server) continue;
      this.byPath.delete(path);
      this.closedPaths.add(path);
    }
  }

  /**
   * Serves no gateway any more: every handshake gets 503 until the HTTP server closes, when the
   * listener goes (a closed server is not left holding it).
   */
  detach(): void {
    this.byPath.clear();
    this.catchAll = undefined;
    this.detached = true;
    if (!this.httpServer.listening) {
      this.httpServer.off('upgrade', this.listener);
      return;
    }
    this.httpServer.once('close', () => this.httpServer.off('upgrade', this.listener));
  }

  private route(request: IncomingMessage, stream: Duplex, head: Buffer): void {
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = normalizePath(query === -1 ? url : url.slice(0, query));
    const server = this.byPath.get(path) ?? this.catchAll;
    if (server !== undefined) {
      server.handleUpgrade(request, stream, head);
    } else if (this.detached || this.catchAllClosed || this.closedPaths.has(path)) {
      refuseHandshake(stream, 503, 'Service Unavailable');
    } else {
      refuseHandshake(stream, 404, 'Not Found');
    }
  }
}

export function normalizePath(path: string): string {
  let normalized = path.startsWith('/') ? path : `/${path}`;
  while (normalized.length > 1 && normalized.endsWith('/')) normalized = normalized.slice(0, -1);
  return normalized;
}
