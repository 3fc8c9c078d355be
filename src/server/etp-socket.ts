import type {
  EtpDefaultEventsMap,
  EtpEmitArgs,
  EtpEmitWithAckArgs,
  EtpEventAnswer,
  EtpEventNames,
  EtpEventsMap,
  EtpUntypedEventName,
} from '../protocol/event-map.js';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WsMessageHandler } from '@nestjs/common';
import { encodeFrame } from '../protocol/frame.js';
import type { EtpPayloadCodec } from '../protocol/codec.js';
import {
  CLOSE_MESSAGE_TOO_BIG,
  EtpDisconnectReason,
  explainClose,
  isNormalClose,
} from '../protocol/close.js';
import { EtpConnectionClosedError } from '../protocol/errors.js';
import { PendingAcks, type EmitWithAckOptions } from '../protocol/pending-acks.js';
import { PendingPings } from '../protocol/pending-pings.js';
import type { EtpServer } from './etp-server.js';
import { BINARY, TEXT, type PreparedFrame } from './websocket-frame.js';

const OPEN = 1;
const NO_ROOMS: ReadonlySet<string> = new Set();
const MESSAGE_TOO_BIG = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

type CloseListener = (socket: EtpSocket) => void;

/**
 * What a socket uses of the `ws` WebSocket its server accepted. Named structurally so that the
 * published declarations do not make users install `@types/ws`.
 */
export interface ServerWebSocket {
  readonly readyState: number;
  send(data: string | Uint8Array, options: { readonly binary: boolean }): void;
  ping(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

/**
 * One ETP connection of a gateway: what `@ConnectedSocket()`, the lifecycle hooks, guards and
 * REQUEST-scoped providers receive. It deliberately has no `send` method and no `readyState`:
 * Nest's exception filter then answers through `emit`, as an ETP frame.
 */
export class EtpSocket<EmitEvents extends EtpEventsMap = EtpDefaultEventsMap> {
  /** 16 random bytes from a cryptographic source, as 32 hex characters. */
  readonly id: string = randomBytes(16).toString('hex');

  /** The HTTP request of the handshake. */
  readonly request: IncomingMessage;
  /** The gateway server that accepted it. */
  readonly server: EtpServer;

  /** @internal Nest's handler lists bound to this socket, one per gateway on its path. */
  handlers: WsMessageHandler[][] = [];
  /** @internal Cleared by a ping round, set by the pong. */
  alive = true;

  /** @internal The rooms this connection is in, kept by the room registry. */
  roomSet: Set<string> | undefined;
  /** @internal The TCP stream under the WebSocket, corked while a turn's frames pile up. */
  stream: Duplex | undefined;
  private corked = false;

  private closeStatus: number | undefined;
  private closeText: string | undefined;
  private connectionError: Error | undefined;
  private endReason: EtpDisconnectReason | undefined;

  private dataMap: Map<string, unknown> | undefined;
  private acks: PendingAcks | undefined;
  private pings: PendingPings | undefined;
  private closeListeners: CloseListener[] | undefined;
  private closedByServer = false;
  private heartbeatExpired = false;

  /** Made by the gateway server for each connection it accepts, never by an application. */
  constructor(
    private readonly ws: ServerWebSocket,
    request: IncomingMessage,
    server: EtpServer,
  ) {
    this.request = request;
    this.server = server;
  }

  /** Close status once the connection has ended (1006 when it ended without a close frame). */
  get closeCode(): number | undefined {
    return this.closeStatus;
  }

  /** Close text sent by the side that closed, if any. */
  get closeReason(): string | undefined {
    return this.closeText;
  }

  /** The error that ended or preceded the end of the connection (a reset, too big a message). */
  get closeError(): Error | undefined {
    return this.connectionError;
  }

  /** Why the connection ended, as handed to `handleDisconnect`. */
  get disconnectReason(): EtpDisconnectReason | undefined {
    return this.endReason;
  }

  /** Anything the application keeps for this connection. */
  get data(): Map<string, unknown> {
    return (this.dataMap ??= new Map());
  }

  /** The rooms this connection is in. */
  get rooms(): ReadonlySet<string> {
    return this.roomSet ?? NO_ROOMS;
  }

  get connected(): boolean {
    return this.ws.readyState === OPEN;
  }

  get codec(): EtpPayloadCodec {
    return this.server.codec;
  }

  /** Sends an event; `false` when the connection is no longer open and nothing was sent. */
  emit<E extends EtpEventNames<EmitEvents>>(event: E, ...data: EtpEmitArgs<EmitEvents, E>): boolean;
  emit(event: EtpUntypedEventName<EmitEvents>, data?: unknown): boolean;
  emit(event: string, data?: unknown): boolean {
    return this.sendFrame(encodeFrame(event, 0, this.server.codec.encode(data)));
  }

  /** Sends an event and resolves with the peer's answer, decoded by the gateway's codec. */
  emitWithAck<E extends EtpEventNames<EmitEvents>>(
    event: E,
    ...args: EtpEmitWithAckArgs<EmitEvents, E>
  ): Promise<EtpEventAnswer<EmitEvents, E>>;
  emitWithAck<T = unknown>(
    event: EtpUntypedEventName<EmitEvents>,
    data?: unknown,
    options?: EmitWithAckOptions,
  ): Promise<T>;
  async emitWithAck<T = unknown>(
    event: string,
    data?: unknown,
    options?: EmitWithAckOptions,
  ): Promise<T> {
    if (!this.connected) throw new EtpConnectionClosedError(event);
    const payload = this.server.codec.encode(data);
    this.acks ??= new PendingAcks();
    const answer = await this.acks
      .request(
        event,
        { timeout: options?.timeout ?? this.server.ackTimeout, signal: options?.signal },
        (ackId) => {
          if (!this.sendFrame(encodeFrame(event, ackId, payload))) {
            throw new EtpConnectionClosedError(event);
          }
        },
      )
      .catch(this.server.metrics.ackFailed);
    return this.server.codec.decode(answer) as T;
  }

  /** Sends a WebSocket ping and resolves on the pong. */
  ping(options?: { timeout?: number }): Promise<void> {
    if (!this.connected) return Promise.reject(new EtpConnectionClosedError('ping'));
    const timeout = options?.timeout ?? this.server.ackTimeout;
    return (this.pings ??= new PendingPings()).wait(timeout, () => this.ws.ping());
  }

  /** Closes the connection with a close status (1000 by default) and text. */
  close(code = 1000, reason?: string): void {
    this.closedByServer = true;
    this.ws.close(code, reason);
  }

  /** Whether the connection ended with a normal status (1000, 1001 or 1005). */
  isNormalClose(): boolean {
    return isNormalClose(this.closeCode);
  }

  /** @internal Writes an encoded frame: text as a text message, bytes as a binary one. */
  sendFrame(frame: string | Uint8Array): boolean {
    if (this.ws.readyState !== OPEN) return false;
    if (!this.corked && this.stream !== undefined) {
      // The answers to a burst of requests are written within one turn of the event loop: held
      // until its check phase, they leave in one system call instead of one each.
      this.corked = true;
      this.stream.cork();
      setImmediate(flushSocket, this);
    }
    this.ws.send(frame, typeof frame === 'string' ? TEXT : BINARY);
    return true;
  }

  /** @internal Writes out the frames held back since the turn began. */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.stream?.uncork();
  }

  /** @internal Writes a frame prepared once for a broadcast. */
  sendPrepared(frame: PreparedFrame): boolean {
    if (this.ws.readyState !== OPEN) return false;
    // The server never compresses (perMessageDeflate is off), so ws keeps no queue of its own
    // and a whole message written to the stream lands between ws's messages, never inside one.
    if (this.stream !== undefined) this.stream.write(frame.wire);
    else this.ws.send(frame.bytes, frame.options);
    return true;
  }

  /** @internal Settles one of this socket's `emitWithAck` requests. */
  settleAck(ackId: number, data: Uint8Array | null): boolean {
    return this.acks?.settle(ackId, data) === true;
  }

  /** @internal Runs once the connection has ended, after the pending acks were rejected. */
  onClose(listener: CloseListener): void {
    (this.closeListeners ??= []).push(listener);
  }

  /** @internal A heartbeat ping; the pong comes back through `handlePong`. */
  sendPing(): void {
    if (this.ws.readyState === OPEN) this.ws.ping();
  }

  /** @internal Ends a peer that stopped answering pings. */
  expireHeartbeat(): void {
    this.heartbeatExpired = true;
    this.flush();
    this.ws.terminate();
  }

  /** @internal Ends the connection at once, without a closing handshake. */
  terminate(): void {
    this.closedByServer = true;
    this.flush();
    this.ws.terminate();
  }

  /** @internal */
  handlePong(): void {
    this.alive = true;
    this.pings?.settle();
  }

  /** @internal */
  handleError(error: Error): void {
    this.connectionError ??= error;
  }

  /** @internal */
  handleClose(code: number, reason: Buffer): void {
    const error = this.connectionError;
    const tooBig = (error as { code?: string } | undefined)?.code === MESSAGE_TOO_BIG;
    const ownReason = this.heartbeatExpired
      ? EtpDisconnectReason.HeartbeatTimeout
      : tooBig
        ? EtpDisconnectReason.MessageTooBig
        : this.closedByServer
          ? EtpDisconnectReason.ServerClosed
          : undefined;
    const why = explainClose(ownReason, code, error, EtpDisconnectReason.ClientClosed);
    this.closeStatus = why === EtpDisconnectReason.MessageTooBig ? CLOSE_MESSAGE_TOO_BIG : code;
    this.closeText = reason.length > 0 ? reason.toString('utf8') : undefined;
    this.endReason = why;
    this.acks?.rejectAll(why);
    this.pings?.clear();
    const listeners = this.closeListeners;
    this.closeListeners = undefined;
    if (listeners !== undefined) {
      for (const listener of listeners) listener(this);
    }
  }
}

function flushSocket(socket: EtpSocket): void {
  socket.flush();
}
