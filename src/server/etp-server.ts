import type {
  EtpDefaultEventsMap,
  EtpEmitArgs,
  EtpEventNames,
  EtpEventsMap,
  EtpUntypedEventName,
} from '../protocol/event-map.js';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger, WsMessageHandler } from '@nestjs/common';
import { EtpClose } from '../protocol/close.js';
import type { EtpPayloadCodec } from '../protocol/codec.js';
import { encodeFrame } from '../protocol/frame.js';
import { encodeHello } from '../protocol/recovery.js';
import type { HandshakeAuthorizer } from './authorize.js';
import { Backpressure } from './backpressure.js';
import type { ConnectionAdmission, ConnectionRegistry } from './connection-registry.js';
import { EtpSocket } from './etp-socket.js';
import type { EtpWebSocket } from './etp-websocket.js';
import { GatewayDispatch } from './dispatch.js';
import { GatewayReports } from './gateway-reports.js';
import { HandlerRoutes } from './handler-routes.js';
import { EtpHandshake } from './handshake.js';
import { HandshakeGate } from './handshake-gate.js';
import { Heartbeat } from './heartbeat.js';
import {
  resolveGatewayOptions,
  type EtpGatewayOptions,
  type ResolvedGatewayOptions,
} from './options.js';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics/gateway-metrics.js';
import { prepareFrame } from './websocket-frame.js';
import type { SocketHost } from './socket-host.js';

export type { ConnectionAdmission, ConnectionRegistry } from './connection-registry.js';

// The socket does not know the server's class: the server adds the property that points to it,
// so that the two files do not import each other.
declare module './etp-socket.js' {
  // Merging needs the class's own type parameter, unused here.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface EtpSocket<EmitEvents extends EtpEventsMap = EtpDefaultEventsMap> {
    /** The gateway server that accepted it. */
    readonly server: EtpServer;
  }
}

const NO_ROOMS: ReadonlySet<string> = new Set();

type ConnectionCallback = (socket: EtpSocket, request: EtpHandshake) => void;

/**
 * One gateway's ETP server, what `@WebSocketServer()` receives: its connections and a
 * broadcast to all of them. Several gateways on one path share one server.
 */
export class EtpServer<EmitEvents extends EtpEventsMap = EtpDefaultEventsMap> {
  /** The path it serves, or `undefined` when it takes every path not claimed by another. */
  readonly path: string | undefined;
  /** The gateway's payload codec. */
  readonly codec: EtpPayloadCodec;
  /** Default timeout of `socket.emitWithAck`, in ms. */
  readonly ackTimeout: number;
  /** How far a peer may fall behind in reading before it is closed as a slow consumer. */
  readonly maxBufferedBytes: number;
  /** @internal The backlog above which the server stops reading from a peer. */
  readonly pauseReadingAt: number;
  /** @internal Messages per second handled from one connection; 0: no limit. */
  readonly maxEventsPerSecond: number;
  /** @internal */
  readonly metrics: GatewayMetrics;
  /** @internal What this gateway does with each message its connections receive. */
  readonly dispatch: GatewayDispatch;
  /** @internal The gateway's `authorize`, set by the adapter. */
  authorizer: HandshakeAuthorizer | undefined;

  private readonly connections = new Map<string, EtpSocket>();
  private readonly gate: HandshakeGate;
  private readonly handlerRoutes = new HandlerRoutes();
  private readonly reports: GatewayReports;
  private readonly heartbeat: Heartbeat<EtpSocket> | undefined;
  private readonly connectionCallbacks: ConnectionCallback[] = [];
  /** What every connection of this server reads of it and tells it: one object for all of them. */
  private readonly socketHost: SocketHost<EtpSocket>;

  constructor(
    /** The gateway's options, as `@WebSocketGateway()` got them. */
    readonly options: Readonly<EtpGatewayOptions>,
    logger: Logger,
    private observer: ConnectionRegistry | undefined,
    /** @internal The options with their defaults, checked: what the server reads. */
    readonly settings: ResolvedGatewayOptions = resolveGatewayOptions(options),
  ) {
    this.path = settings.path;
    this.codec = settings.codec;
    this.ackTimeout = settings.ackTimeout;
    this.metrics = createGatewayMetrics(
      settings.path,
      this.handlerRoutes.byEvent,
      settings.metrics,
    );
    this.maxBufferedBytes = settings.maxBufferedBytes;
    this.pauseReadingAt = settings.pauseReadingAt;
    this.maxEventsPerSecond = settings.maxEventsPerSecond;
    const reports = new GatewayReports(
      logger,
      this.metrics,
      settings.onError,
      this.maxBufferedBytes,
    );
    this.reports = reports;
    this.dispatch = new GatewayDispatch(this.handlerRoutes, this.metrics, reports);
    this.socketHost = {
      codec: settings.codec,
      ackTimeout: settings.ackTimeout,
      backpressure: new Backpressure<EtpSocket>(
        settings.maxBufferedBytes,
        settings.pauseReadingAt,
        (socket, buffered) => reports.slowConsumer(socket, buffered),
      ),
      closing: (socket) => this.observer?.closing?.(socket),
      roomsOf: (socket) => this.roomsOf(socket),
      ackFailed: (error) => this.metrics.ackFailed(error),
    };
    this.gate = new HandshakeGate(settings, logger, this);
    if (settings.heartbeat !== false) {
      const { interval, timeout } = settings.heartbeat;
      this.heartbeat = new Heartbeat(this.connections, interval, timeout);
      this.heartbeat.start();
    }
  }

  /** The open connections, by id. */
  get sockets(): ReadonlyMap<string, EtpSocket> {
    return this.connections;
  }

  /** How many connections are open. */
  get size(): number {
    return this.connections.size;
  }

  /** Sends an event to every connection of this server; the frame is encoded once. */
  emit<E extends EtpEventNames<EmitEvents>>(event: E, ...data: EtpEmitArgs<EmitEvents, E>): number;
  emit(event: EtpUntypedEventName<EmitEvents>, data?: unknown): number;
  emit(event: string, data?: unknown): number {
    const frame = prepareFrame(encodeFrame(event, 0, this.codec.encode(data)));
    let sent = 0;
    for (const socket of this.connections.values()) {
      if (socket.sendPrepared(frame)) sent++;
    }
    this.metrics.broadcast(sent);
    return sent;
  }

  /** @internal The rooms registry, once it met this server. */
  get registry(): ConnectionRegistry | undefined {
    return this.observer;
  }

  /** @internal The rooms a connection is in, as the observer keeps them. */
  roomsOf(socket: EtpSocket): ReadonlySet<string> {
    return this.observer?.roomsOf(socket) ?? NO_ROOMS;
  }

  /** @internal A registry that meets this server's sockets without the adapter's help. */
  observe(observer: ConnectionRegistry): void {
    this.observer ??= observer;
  }

  /** @internal One callback per gateway on this path, in the order Nest binds them. */
  addConnectionCallback(callback: ConnectionCallback): void {
    this.connectionCallbacks.push(callback);
  }

  /** @internal Completes a handshake routed here, or refuses it. */
  handleUpgrade(request: IncomingMessage, stream: Duplex, head: Buffer): void {
    this.gate.handle(request, stream, head);
  }

  /** @internal Nest's handlers for one gateway on this path, bound to one socket. */
  bindHandlers(socket: EtpSocket, handlers: WsMessageHandler[]): void {
    this.handlerRoutes.bind(socket, handlers);
  }

  /**
   * @internal Closes every connection (`shutdownCloseCode`, 1000 by default, as the Go reference
   * server does) and stops the heartbeat. It waits for each peer's
   * close frame, the proof that the peer has read ours: ending a connection before then, with
   * data of the peer still unread, makes the kernel send a reset, and the peer's kernel drops
   * what the peer had not read yet, the close frame included (the peer sees 1006). Only
   * connections still open after `shutdownTimeout` are ended without it.
   */
  async close(): Promise<void> {
    this.gate.shutDown();
    this.heartbeat?.stop();
    const sockets = [...this.connections.values()];
    if (sockets.length > 0) {
      const allClosed = Promise.all(
        sockets.map((socket) => new Promise<void>((resolve) => socket.onClose(() => resolve()))),
      );
      for (const socket of sockets)
        socket.close(this.settings.shutdownCloseCode, EtpClose.ServerShutdown.reason);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = this.settings.shutdownTimeout;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeout)));
      await Promise.race([allClosed, grace]);
      clearTimeout(timer);
      for (const socket of this.connections.values()) socket.terminate();
    }
    await this.gate.close();
  }

  /** @internal Takes a connection whose upgrade is complete. */
  accept(
    ws: EtpWebSocket,
    request: IncomingMessage,
    stream: Duplex,
    auth: unknown,
    admission: ConnectionAdmission | undefined,
  ): void {
    const handshake = new EtpHandshake(request);
    const socket = new EtpSocket(ws, handshake, this.socketHost);
    (socket as { server: EtpServer }).server = this;
    socket.auth = auth;
    socket.stream = stream;
    this.connections.set(socket.id, socket);
    ws.attach(socket);
    this.metrics.connectionOpened();
    if (admission !== undefined) {
      // The extension's first frame, before anything the gateways send.
      socket.recovered = admission.recovered;
      socket.sendFrame(encodeHello(admission.recovered, socket.id));
    }
    this.observer?.connected(socket, admission);
    for (const callback of this.connectionCallbacks) {
      try {
        callback(socket, handshake);
      } catch (error) {
        // Called from the HTTP server's 'upgrade' event: a throw there would end the process.
        // A connection whose setup failed has no handlers bound; it is ended.
        this.reports.connectionFailed(error, socket);
        socket.terminate();
        return;
      }
    }
  }

  /** @internal A pong from a connection's peer, for the heartbeat. */
  heartbeatPong(socket: EtpSocket, data: Buffer): void {
    this.heartbeat?.pong(socket, data);
  }

  /** @internal A connection has ended: forget it, tell the socket and its listeners, then the observer. */
  connectionEnded(socket: EtpSocket, code: number, reason: Buffer): void {
    this.connections.delete(socket.id);
    this.heartbeat?.forget(socket);
    try {
      socket.handleClose(code, reason);
    } finally {
      this.observer?.disconnected(socket);
    }
    this.metrics.connectionClosed(socket.disconnectReason);
  }
}
