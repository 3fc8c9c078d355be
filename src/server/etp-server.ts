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
import { resolveCodec, type EtpPayloadCodec } from '../protocol/codec.js';
import { encodeFrame } from '../protocol/frame.js';
import { DEFAULT_ACK_TIMEOUT } from '../protocol/pending-acks.js';
import { dispatchMessage, ETP_UNKNOWN_EVENT, type HandlerRoute } from './dispatch.js';
import { EtpSocket } from './etp-socket.js';
import { Heartbeat } from './heartbeat.js';
import {
  DEFAULT_HEARTBEAT_INTERVAL,
  DEFAULT_HEARTBEAT_TIMEOUT,
  DEFAULT_MAX_PAYLOAD,
  type EtpGatewayOptions,
} from './options.js';
import { isOriginAllowed } from './origin.js';
import { refuseHandshake } from './upgrade-router.js';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics/gateway-metrics.js';
import { prepareFrame } from './websocket-frame.js';

/** Sees every connection of every gateway; the rooms registry is one. */
export interface ConnectionObserver {
  connected(socket: EtpSocket): void;
  disconnected(socket: EtpSocket): void;
}

type ConnectionCallback = (socket: EtpSocket, request: IncomingMessage) => void;

const CLOSE_GRACE_MS = 1_000;

/**
 * One gateway's ETP server, what `@WebSocketServer()` receives: its connections and a
 * broadcast to all of them. Several gateways on one path share one server.
 */
export class EtpServer<EmitEvents extends EtpEventsMap = EtpDefaultEventsMap> {
  /** The path it serves, or `undefined` when it takes every path not claimed by another. */
  readonly path: string | undefined;
  readonly codec: EtpPayloadCodec;
  readonly ackTimeout: number;
  /** @internal */
  readonly routes = new Map<string, HandlerRoute>();
  /** @internal */
  unknownRoute: HandlerRoute | undefined;
  /** @internal */
  readonly metrics: GatewayMetrics;

  private readonly connections = new Map<string, EtpSocket>();
  private readonly wss: WebSocketServer;
  private readonly heartbeat: Heartbeat | undefined;
  private readonly boundSlots: string[][] = [];
  private readonly connectionCallbacks: ConnectionCallback[] = [];
  private closing = false;

  constructor(
    readonly options: Readonly<EtpGatewayOptions>,
    private readonly logger: Logger,
    private readonly observer: ConnectionObserver | undefined,
  ) {
    this.path = options.path;
    this.codec = resolveCodec(options.codec);
    this.ackTimeout = options.ackTimeout ?? DEFAULT_ACK_TIMEOUT;
    this.metrics = createGatewayMetrics(options.path, this.routes, options.metrics);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    });
    const heartbeat = options.heartbeat ?? {};
    if (heartbeat !== false) {
      this.heartbeat = new Heartbeat(
        this.connections,
        heartbeat.interval ?? DEFAULT_HEARTBEAT_INTERVAL,
        heartbeat.timeout ?? DEFAULT_HEARTBEAT_TIMEOUT,
      );
      this.heartbeat.start();
    }
  }

  /** The open connections, by id. */
  get sockets(): ReadonlyMap<string, EtpSocket> {
    return this.connections;
  }

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
    if (!isOriginAllowed(request, this.options.cors?.origin)) {
      this.logger.warn(`Refused a handshake from origin ${request.headers.origin}`);
      refuseHandshake(stream, 403, 'Forbidden');
      return;
    }
    this.wss.handleUpgrade(request, stream, head, (ws) => this.accept(ws, request, stream));
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

  /** @internal Closes every connection (1001) and stops the heartbeat. */
  async close(): Promise<void> {
    this.closing = true;
    this.heartbeat?.stop();
    const sockets = [...this.connections.values()];
    if (sockets.length > 0) {
      const allClosed = Promise.all(
        sockets.map((socket) => new Promise<void>((resolve) => socket.onClose(() => resolve()))),
      );
      for (const socket of sockets) socket.close(1001, 'server shutdown');
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)));
      await Promise.race([allClosed, grace]);
      clearTimeout(timer);
      for (const socket of this.connections.values()) socket.terminate();
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  reportMalformed(error: Error, socket: EtpSocket): void {
    this.metrics.malformed(error);
    this.logger.warn(`${error.message} [socket ${socket.id}]`);
    this.notify(error, socket);
  }

  reportUnknownEvent(event: string, socket: EtpSocket): void {
    const error = new Error(`Unknown ETP event "${event}" with no ${ETP_UNKNOWN_EVENT} handler`);
    this.logger.debug?.(`${error.message} [socket ${socket.id}]`);
    this.notify(error, socket);
  }

  reportHandlerFailure(error: unknown, socket: EtpSocket, event: string): void {
    this.logger.error(
      `Handler of "${event}" failed [socket ${socket.id}]`,
      error instanceof Error ? error.stack : String(error),
    );
  }

  private accept(ws: WebSocket, request: IncomingMessage, stream: Duplex): void {
    if (this.closing) {
      // A handshake that began before close() completes after it: nobody would close it later.
      ws.terminate();
      return;
    }
    const socket = new EtpSocket(ws, request, this);
    socket.stream = stream;
    this.connections.set(socket.id, socket);
    (ws as TaggedWebSocket)[ETP_SOCKET] = socket;
    ws.on('message', onMessage);
    ws.on('pong', onPong);
    ws.on('error', onError);
    ws.on('close', onClose);
    this.metrics.connectionOpened();
    this.observer?.connected(socket);
    for (const callback of this.connectionCallbacks) callback(socket, request);
  }

  /** @internal A connection has ended: forget it, then tell the socket and its listeners. */
  release(socket: EtpSocket, code: number, reason: Buffer): void {
    this.connections.delete(socket.id);
    this.observer?.disconnected(socket);
    socket.handleClose(code, reason);
    this.metrics.connectionClosed(socket.disconnectReason);
  }

  private notify(error: Error, socket: EtpSocket): void {
    const hook = this.options.onError;
    if (hook === undefined) return;
    try {
      hook(error, socket);
    } catch (hookError) {
      this.logger.error('The gateway onError hook threw', (hookError as Error).stack);
    }
  }
}

// One set of listeners serves every connection: each finds its EtpSocket on the ws object, which
// saves a closure per event and per connection: some 400 bytes of heap per connection.
const ETP_SOCKET = Symbol('EtpSocket');
type TaggedWebSocket = WebSocket & { [ETP_SOCKET]: EtpSocket };

function socketOf(ws: WebSocket): EtpSocket {
  return (ws as TaggedWebSocket)[ETP_SOCKET];
}

function onMessage(this: WebSocket, bytes: Buffer): void {
  const socket = socketOf(this);
  dispatchMessage(socket.server, socket, bytes);
}

function onPong(this: WebSocket): void {
  socketOf(this).handlePong();
}

function onError(this: WebSocket, error: Error): void {
  socketOf(this).handleError(error);
}

// ws emits 'close' once, so `on` does what `once` would without a wrapper per connection.
function onClose(this: WebSocket, code: number, reason: Buffer): void {
  const socket = socketOf(this);
  socket.server.release(socket, code, reason);
}
