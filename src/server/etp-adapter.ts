import { createServer, type Server as HttpServer } from 'node:http';
import {
  Logger,
  type INestApplicationContext,
  type WebSocketAdapter,
  type WsMessageHandler,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import { EtpClose } from '../protocol/close.js';
import { ETP_CONNECTION_OBSERVER } from '../etp.tokens.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { EtpServer } from './etp-server.js';
import type { EtpSocket } from './etp-socket.js';
import type { EtpHandshake } from './handshake.js';
import { AppProviders } from './app-providers.js';
import { HandshakeAuthorizer, resolveAuthorize } from './authorize.js';
import { GATEWAY_OPTION_KEYS, resolveGatewayOptions, type EtpGatewayOptions } from './options.js';
import { UpgradeRouter } from './upgrade-router.js';

/** Port 0 in `@WebSocketGateway()` means: share the application's HTTP server. */
const APP_PORT = 0;

/** What `create` receives: the gateway's options as Nest passes them. */
type GatewayOptions = EtpGatewayOptions & { namespace?: unknown; server?: unknown };

/**
 * The Nest `WebSocketAdapter` for ETP: `app.useWebSocketAdapter(new EtpAdapter(app))`.
 * Gateways on port 0 share the application's HTTP server; another port gets an HTTP server of its
 * own, which several gateways on different paths may share.
 */
export class EtpAdapter implements WebSocketAdapter<EtpServer, EtpSocket, GatewayOptions> {
  private readonly logger = new Logger('EtpAdapter');
  private readonly appHttpServer: HttpServer | undefined;
  private readonly routers = new Map<HttpServer, UpgradeRouter>();
  private readonly ownServers = new Map<number, HttpServer>();
  private readonly routerOf = new Map<EtpServer, UpgradeRouter>();
  private observer: ConnectionRegistry | undefined;
  private observerResolved = false;

  constructor(private readonly app?: INestApplicationContext | HttpServer) {
    this.appHttpServer = resolveHttpServer(app);
  }

  /**
   * Nest calls it for each gateway: the server of its path and port, shared by gateways on the same
   * ones.
   */
  create(port: number, options: GatewayOptions = {}): EtpServer {
    if (options.namespace !== undefined) {
      throw new Error('EtpAdapter does not support namespaces: give each gateway a path instead');
    }
    const { namespace: _namespace, server: _server, ...etpOptions } = options;
    this.reportUnknownKeys(options);
    // Settled before anything listens: an authorizer that cannot be made fails the bootstrap.
    const authorize =
      options.authorize === undefined
        ? undefined
        : resolveAuthorize(options.authorize, this.app, options.path ?? 'every path');
    const settings = resolveGatewayOptions(etpOptions);
    const authorizer =
      authorize === undefined
        ? undefined
        : new HandshakeAuthorizer(authorize, settings.authorizeTimeout, this.logger);
    const httpServer = this.httpServerFor(port);
    const server = new EtpServer(etpOptions, this.logger, this.resolveObserver(), settings);
    server.authorizer = authorizer;
    const router = this.routerFor(httpServer);
    router.add(server);
    this.routerOf.set(server, router);
    return server;
  }

  /** Nest calls it: runs `callback` for each connection the server accepts. */
  bindClientConnect(
    server: EtpServer,
    callback: (socket: EtpSocket, request: EtpHandshake) => void,
  ): void {
    server.addConnectionCallback(callback);
  }

  /**
   * Nest calls it: runs `callback` once when the connection ends, with an `EtpDisconnectReason`.
   */
  bindClientDisconnect(socket: EtpSocket, callback: (reason: string) => void): void {
    // Kept as it is, with no closure around it: it costs each connection nothing more.
    socket.onClose(callback);
  }

  /** Drops a client that connected while the application was still starting. */
  closeClient(socket: EtpSocket): void {
    socket.close(EtpClose.TryAgainLater.code, EtpClose.TryAgainLater.reason);
  }

  /**
   * Nest calls it: dispatches a connection's events to the gateway's handlers and answers their
   * acks.
   */
  bindMessageHandlers(
    socket: EtpSocket,
    handlers: WsMessageHandler[],
    _transform: (data: unknown) => Observable<unknown>,
  ): void {
    // Nest's transform wraps every result in Observables; dispatch resolves results itself so
    // that the common case (a value or a Promise) costs no stream per message.
    socket.server.bindHandlers(socket, handlers);
  }

  /** Answers handled through `@Ack()` are left to the handler. */
  isAckHandledManually(handler: WsMessageHandler): boolean {
    return handler.isAckHandledManually === true;
  }

  /**
   * Answers the handshakes still waiting for `authorize` with 503 at once, then closes the
   * connections. Handshakes arriving meanwhile, and until the HTTP server closes, get 503 too.
   */
  async close(server: EtpServer): Promise<void> {
    server.authorizer?.close();
    const router = this.routerOf.get(server);
    this.routerOf.delete(server);
    try {
      await server.close();
    } finally {
      router?.remove(server);
    }
  }

  /**
   * Nest calls it at shutdown, after the gateways closed: releases the HTTP servers the adapter
   * made.
   */
  async dispose(): Promise<void> {
    for (const router of this.routers.values()) router.detach();
    this.routers.clear();
    await Promise.all(
      [...this.ownServers.values()].map(
        (httpServer) =>
          new Promise<void>((resolve) => {
            httpServer.close(() => resolve());
            httpServer.closeAllConnections();
          }),
      ),
    );
    this.ownServers.clear();
  }

  /** A key ETP does not know (a `verifyClient`, a typo) would otherwise be ignored in silence. */
  private reportUnknownKeys(options: object): void {
    for (const key of Object.keys(options)) {
      if (GATEWAY_OPTION_KEYS.has(key)) continue;
      const hint =
        key === 'verifyClient'
          ? ': use authorize'
          : key === 'port'
            ? ': give the port as the first argument, @WebSocketGateway(port, options)'
            : '';
      this.logger.warn(`Unknown ETP gateway option "${key}" is ignored${hint}`);
    }
  }

  private httpServerFor(port: number): HttpServer {
    if (port === APP_PORT) {
      if (this.appHttpServer === undefined) {
        throw new Error(
          'An ETP gateway on port 0 shares the application HTTP server, and there is none: ' +
            'give the gateway a port, or create the app with NestFactory.create()',
        );
      }
      return this.appHttpServer;
    }
    let httpServer = this.ownServers.get(port);
    if (httpServer === undefined) {
      httpServer = createServer((_request, response) => {
        response.writeHead(426, { Connection: 'close' }).end('Upgrade Required');
      });
      httpServer.on('error', (error) =>
        this.logger.error(`HTTP server on port ${port}: ${error.message}`),
      );
      httpServer.listen(port);
      this.ownServers.set(port, httpServer);
    }
    return httpServer;
  }

  private routerFor(httpServer: HttpServer): UpgradeRouter {
    let router = this.routers.get(httpServer);
    if (router === undefined) {
      router = new UpgradeRouter(httpServer);
      this.routers.set(httpServer, router);
    }
    return router;
  }

  /** The rooms registry of `EtpModule`, when the application imports it. */
  private resolveObserver(): ConnectionRegistry | undefined {
    if (this.observerResolved) return this.observer;
    this.observerResolved = true;
    const lookup = AppProviders.of(this.app)?.get(ETP_CONNECTION_OBSERVER);
    this.observer = lookup?.found === true ? (lookup.value as ConnectionRegistry) : undefined;
    return this.observer;
  }

  /**
   * What each gateway's server looks like now, for a health check: its path, its port, whether
   * its HTTP server accepts connections, and how many ETP connections it holds.
   */
  gatewayStatus(): EtpGatewayStatus[] {
    const ownPorts = new Map([...this.ownServers].map(([port, server]) => [server, port]));
    return [...this.routerOf].map(([server, { httpServer }]) => {
      const address = httpServer.address();
      return {
        path: server.path,
        // A server of its own that could not listen is still reported with the port it was given.
        port:
          typeof address === 'object' && address !== null ? address.port : ownPorts.get(httpServer),
        listening: httpServer.listening,
        connections: server.size,
      };
    });
  }
}

function resolveHttpServer(
  app: INestApplicationContext | HttpServer | undefined,
): HttpServer | undefined {
  if (app === undefined) return undefined;
  const withHttp = app as { getHttpServer?: () => HttpServer };
  if (typeof withHttp.getHttpServer === 'function') {
    try {
      return withHttp.getHttpServer();
    } catch {
      return undefined;
    }
  }
  const candidate = app as Partial<HttpServer>;
  return typeof candidate.listen === 'function' && typeof candidate.on === 'function'
    ? (app as HttpServer)
    : undefined;
}

/** One gateway's server as `EtpAdapter.gatewayStatus()` describes it. */
export interface EtpGatewayStatus {
  /** The path it serves; `undefined` when it takes every path no other gateway claims. */
  readonly path: string | undefined;
  /** The port of its HTTP server; `undefined` for the application's server before it listens. */
  readonly port: number | undefined;
  /** Whether its HTTP server is listening, so that a client can connect at all. */
  readonly listening: boolean;
  /** Its open ETP connections. */
  readonly connections: number;
}
