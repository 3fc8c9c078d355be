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
import { WebSocketServer, type WebSocket } from 'ws';
import { ackEventOf } from '../protocol/ack.js';
import { EtpClose } from '../protocol/close.js';
import type { EtpPayloadCodec } from '../protocol/codec.js';
import { encodeFrame } from '../protocol/frame.js';
import { encodeHello } from '../protocol/recovery.js';
import { escapeLogText, peerReports } from '../protocol/log-limit.js';
import { ETP_UNKNOWN_EVENT, type HandlerRoute } from './dispatch.js';
import { describeThrown, type HandshakeAuthorizer } from './authorize.js';
import { EtpSocket } from './etp-socket.js';
import { Heartbeat } from './heartbeat.js';
import { listenTo } from './ws-listeners.js';
import {
  resolveGatewayOptions,
  type EtpGatewayOptions,
  type ResolvedGatewayOptions,
} from './options.js';
import { isOriginAllowed } from './origin.js';
import { refuseHandshake } from './refuse-handshake.js';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics/gateway-metrics.js';
import { prepareFrame } from './websocket-frame.js';
import type { SocketEvents } from './socket-host.js';

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

/** What a handshake's extra step settled for the connection it is about to open. */
export interface ConnectionAdmission {
  /** The client asked to recover its previous connection, and all of it could be. */
  readonly recovered: boolean;
}

/** Keeps track of every connection of every gateway and of the rooms each is in: the rooms registry. */
export interface ConnectionRegistry {
  /**
   * A step of its own before the upgrade, after `authorize`: `undefined` when it has none for
   * this handshake; otherwise what it settles is handed to `connected`. Never rejects.
   */
  admit?(request: IncomingMessage): Promise<ConnectionAdmission> | undefined;
  connected(socket: EtpSocket, admission?: ConnectionAdmission): void;
  /** Told when the connection starts closing, by the server or for it (not by the peer). */
  closing?(socket: EtpSocket): void;
  /** Told once the disconnect callbacks ran, so that they still see the socket's rooms. */
  disconnected(socket: EtpSocket): void;
  roomsOf(socket: EtpSocket): ReadonlySet<string>;
}

const NO_ROOMS: ReadonlySet<string> = new Set();

type ConnectionCallback = (socket: EtpSocket, request: IncomingMessage) => void;

/** Event names are the peer's: a log line shows this much of one. */
const MAX_EVENT_IN_LOG = 100;

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
  readonly routes = new Map<string, HandlerRoute>();
  /** @internal */
  unknownRoute: HandlerRoute | undefined;
  /** @internal */
  readonly metrics: GatewayMetrics;
  /** @internal The gateway's `authorize`, set by the adapter. */
  authorizer: HandshakeAuthorizer | undefined;

  private readonly connections = new Map<string, EtpSocket>();
  private readonly wss: WebSocketServer;
  private readonly heartbeat: Heartbeat | undefined;
  private readonly boundSlots: string[][] = [];
  private readonly connectionCallbacks: ConnectionCallback[] = [];
  private closing = false;
  /** What every connection of this server tells it: one object for all of them. */
  private readonly socketEvents: SocketEvents<EtpSocket> = {
    slowConsumer: (socket, buffered) => this.reportSlowConsumer(socket, buffered),
    closing: (socket) => this.socketClosing(socket),
    roomsOf: (socket) => this.roomsOf(socket),
    ackFailed: (error) => this.metrics.ackFailed(error),
  };
  private slowConsumerCount = 0;

  constructor(
    /** The gateway's options, as `@WebSocketGateway()` got them. */
    readonly options: Readonly<EtpGatewayOptions>,
    private readonly logger: Logger,
    private observer: ConnectionRegistry | undefined,
    /** @internal The options with their defaults, checked: what the server reads. */
    readonly settings: ResolvedGatewayOptions = resolveGatewayOptions(options),
  ) {
    this.path = settings.path;
    this.codec = settings.codec;
    this.ackTimeout = settings.ackTimeout;
    this.metrics = createGatewayMetrics(settings.path, this.routes, settings.metrics);
    this.maxBufferedBytes = settings.maxBufferedBytes;
    this.pauseReadingAt = settings.pauseReadingAt;
    this.maxEventsPerSecond = settings.maxEventsPerSecond;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: settings.maxPayload,
    });
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

  /** How many connections this server has closed for falling behind `maxBufferedBytes`. */
  get slowConsumers(): number {
    return this.slowConsumerCount;
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
    if (this.closing) {
      refuseHandshake(stream, 503, 'Service Unavailable');
      return;
    }
    if (!isOriginAllowed(request, this.settings.cors?.origin)) {
      if (peerReports.allow(request, this.logger)) {
        this.logger.warn(
          `Refused a handshake from origin ${escapeLogText(request.headers.origin!)}`,
        );
      }
      refuseHandshake(stream, 403, 'Forbidden');
      return;
    }
    const authorizer = this.authorizer;
    if (authorizer === undefined) {
      const admitting = this.observer?.admit?.(request);
      if (admitting === undefined) {
        this.wss.handleUpgrade(request, stream, head, (ws) => this.accept(ws, request, stream));
      } else {
        stream.pause();
        void this.upgradeWhen(admitting, request, stream, head, undefined).catch((error) =>
          this.acceptFailed(error, stream),
        );
      }
      return;
    }
    void authorizer
      .check(request, stream)
      .then((granted) => {
        if (granted === undefined) return;
        const admitting = this.observer?.admit?.(request) ?? Promise.resolve(undefined);
        return this.upgradeWhen(admitting, request, stream, head, granted.auth);
      })
      .catch((error: unknown) => this.acceptFailed(error, stream));
  }

  /** Completes the upgrade of a paused handshake once its admission is settled. */
  private async upgradeWhen(
    admitting: Promise<ConnectionAdmission | undefined>,
    request: IncomingMessage,
    stream: Duplex,
    head: Buffer,
    auth: unknown,
  ): Promise<void> {
    // A peer that resets the stream while it waits must not become an uncaught error.
    const onError = (): void => void stream.destroy();
    stream.on('error', onError);
    let admission: ConnectionAdmission | undefined;
    try {
      admission = await admitting;
    } finally {
      stream.off('error', onError);
    }
    if (stream.destroyed) return;
    if (this.closing) {
      refuseHandshake(stream, 503, 'Service Unavailable');
      return;
    }
    this.wss.handleUpgrade(request, stream, head, (ws) => {
      this.accept(ws, request, stream, auth, admission);
      stream.resume(); // paused while the handshake waited; ws now listens
    });
  }

  /** Past authorize, a throw would otherwise be an unhandled rejection, which ends the process. */
  private acceptFailed(error: unknown, stream: Duplex): void {
    const { text, trace } = describeThrown(error);
    this.logger.error(`Accepting a connection failed: ${text}`, trace);
    stream.destroy();
  }

  /** @internal Nest's handlers for one gateway on this path, bound to one socket. */
  bindHandlers(socket: EtpSocket, handlers: WsMessageHandler[]): void {
    const slot = socket.handlers.length;
    socket.handlers.push(handlers);
    if (this.boundSlots[slot] !== undefined) return;
    // Every socket gets the same gateways' lists in the same order, so the routes are built once.
    this.boundSlots[slot] = handlers.map((handler) => String(handler.message));
    handlers.forEach((handler, index) => {
      const event = String(handler.message);
      const route: HandlerRoute = {
        slot,
        index,
        ackEvent: ackEventOf(event),
        manualAck: handler.isAckHandledManually === true,
      };
      if (event === ETP_UNKNOWN_EVENT) {
        this.unknownRoute ??= route;
      } else if (!this.routes.has(event)) {
        this.routes.set(event, route);
      }
    });
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
    this.closing = true;
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
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /** @internal A connection started closing: it is a member of nothing from now on. */
  socketClosing(socket: EtpSocket): void {
    this.observer?.closing?.(socket);
  }

  /** @internal Once per connection: the socket closes itself right after. */
  reportSlowConsumer(socket: EtpSocket, buffered: number): void {
    this.slowConsumerCount++;
    this.logger.warn(
      `Closed a slow consumer [socket ${socket.id}]: ${buffered} bytes waiting, ` +
        `more than maxBufferedBytes (${this.maxBufferedBytes})`,
    );
  }

  /**
   * Reports a message that is not an ETP frame, or data the codec refused: to `onError`, and to the
   * log (rate-limited).
   */
  reportMalformed(error: Error, socket: EtpSocket): void {
    this.metrics.malformed(error);
    if (peerReports.allow(socket, this.logger)) {
      this.logger.warn(`${escapeLogText(error.message)} [socket ${socket.id}]`);
    }
    this.notify(error, socket);
  }

  /** Reports an event no handler takes: to `onError`, and to the log (rate-limited). */
  reportUnknownEvent(event: string, socket: EtpSocket): void {
    const error = new Error(`Unknown ETP event "${event}" with no ${ETP_UNKNOWN_EVENT} handler`);
    if (peerReports.allow(socket, this.logger)) {
      this.logger.debug?.(`${escapeLogText(error.message)} [socket ${socket.id}]`);
    }
    this.notify(error, socket);
  }

  /** Reports a handler that threw: to `onError`, and to the log. */
  reportHandlerFailure(error: unknown, socket: EtpSocket, event: string): void {
    this.logger.error(
      `Handler of "${escapeLogText(event, MAX_EVENT_IN_LOG)}" failed [socket ${socket.id}]`,
      error instanceof Error ? error.stack : String(error),
    );
  }

  private accept(
    ws: WebSocket,
    request: IncomingMessage,
    stream: Duplex,
    auth?: unknown,
    admission?: ConnectionAdmission,
  ): void {
    if (this.closing) {
      // A handshake that began before close() completes after it: nobody would close it later.
      ws.terminate();
      return;
    }
    const socket = new EtpSocket(ws, request, this.settings, this.socketEvents);
    (socket as { server: EtpServer }).server = this;
    socket.auth = auth;
    socket.stream = stream;
    this.connections.set(socket.id, socket);
    listenTo(ws, socket);
    this.metrics.connectionOpened();
    if (admission !== undefined) {
      // The extension's first frame, before anything the gateways send.
      socket.recovered = admission.recovered;
      socket.sendFrame(encodeHello(admission.recovered, socket.id));
    }
    this.observer?.connected(socket, admission);
    for (const callback of this.connectionCallbacks) callback(socket, request);
  }

  /** @internal A connection has ended: forget it, tell the socket and its listeners, then the observer. */
  connectionEnded(socket: EtpSocket, code: number, reason: Buffer): void {
    this.connections.delete(socket.id);
    try {
      socket.handleClose(code, reason);
    } finally {
      this.observer?.disconnected(socket);
    }
    this.metrics.connectionClosed(socket.disconnectReason);
  }

  private notify(error: Error, socket: EtpSocket): void {
    const hook = this.settings.onError;
    if (hook === undefined) return;
    try {
      hook(error, socket);
    } catch (hookError) {
      this.logger.error('The gateway onError hook threw', (hookError as Error).stack);
    }
  }
}
