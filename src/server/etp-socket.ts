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
import { EtpClose, EtpDisconnectReason, isNormalClose, WEBSOCKET_OPEN } from '../protocol/close.js';
import { EtpConnectionClosedError } from '../protocol/errors.js';
import { PendingAcks, type EmitWithAckOptions } from '../protocol/pending-acks.js';
import { PendingPings } from '../protocol/pending-pings.js';
import { backlogOverLimit } from './backpressure.js';
import { explainConnectionEnd, type ConnectionEnd } from './connection-end.js';
import { EventBudget } from './event-budget.js';
import { ReadPause } from './read-pause.js';
import type { ServerWebSocket } from './server-websocket.js';
import type { SocketEvents, SocketSettings } from './socket-host.js';
import { BINARY, TEXT, type PreparedFrame } from './websocket-frame.js';

type CloseListener = (socket: EtpSocket) => void;

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
  /** What the gateway's `authorize` returned for this connection's handshake. */
  auth: unknown;
  /**
   * Whether this connection recovers its client's previous one (`recovery` in `EtpModule`): the
   * client presented its positions and every room it was in could still be caught up. The rooms
   * `handleConnection` joins then get what it missed, in order, before anything newer. `false`
   * otherwise, the app's cue to send the client a fresh state.
   */
  recovered = false;

  /** @internal Nest's handler lists bound to this socket, one per gateway on its path. */
  handlers: WsMessageHandler[][] = [];
  /** @internal Cleared by a ping round, set by the pong. */
  alive = true;

  /** @internal The TCP stream under the WebSocket, corked while a turn's frames pile up. */
  stream: Duplex | undefined;
  /** @internal Why reading from the peer is stopped, if it is. */
  readonly reading: ReadPause;
  /** @internal The messages per second the peer may still send; none without a limit. */
  readonly budget: EventBudget | undefined;
  private corked = false;

  private ending: ConnectionEnd | undefined;
  private connectionError: Error | undefined;

  private dataMap: Map<string, unknown> | undefined;
  private acks: PendingAcks | undefined;
  private pings: PendingPings | undefined;
  private closeListeners: CloseListener[] | undefined;
  private closedByServer = false;
  private heartbeatExpired = false;
  private slowConsumer = false;
  /** The token of the last heartbeat ping; only a pong echoing it proves the peer alive. */
  private pingToken: Buffer | undefined;

  /** Made by the gateway server for each connection it accepts, never by an application. */
  constructor(
    private readonly ws: ServerWebSocket,
    request: IncomingMessage,
    private readonly settings: SocketSettings,
    private readonly events: SocketEvents<EtpSocket>,
  ) {
    this.request = request;
    this.reading = new ReadPause(ws);
    const perSecond = settings.maxEventsPerSecond;
    if (perSecond > 0) this.budget = new EventBudget(perSecond, this.reading);
  }

  /** Close status once the connection has ended (1006 when it ended without a close frame). */
  get closeCode(): number | undefined {
    return this.ending?.code;
  }

  /** Close text sent by the side that closed, if any. */
  get closeReason(): string | undefined {
    return this.ending?.text;
  }

  /** The error that ended or preceded the end of the connection (a reset, too big a message). */
  get closeError(): Error | undefined {
    return this.connectionError;
  }

  /** Why the connection ended, as handed to `handleDisconnect`. */
  get disconnectReason(): EtpDisconnectReason | undefined {
    return this.ending?.reason;
  }

  /** Anything the application keeps for this connection. */
  get data(): Map<string, unknown> {
    return (this.dataMap ??= new Map());
  }

  /** The rooms this connection is in, as the room registry keeps them. */
  get rooms(): ReadonlySet<string> {
    return this.events.roomsOf(this);
  }

  /** Whether the connection is open. */
  get connected(): boolean {
    return this.ws.readyState === WEBSOCKET_OPEN;
  }

  /** The gateway's payload codec. */
  get codec(): EtpPayloadCodec {
    return this.settings.codec;
  }

  /** Sends an event; `false` when the connection is no longer open and nothing was sent. */
  emit<E extends EtpEventNames<EmitEvents>>(event: E, ...data: EtpEmitArgs<EmitEvents, E>): boolean;
  emit(event: EtpUntypedEventName<EmitEvents>, data?: unknown): boolean;
  emit(event: string, data?: unknown): boolean {
    return this.sendFrame(encodeFrame(event, 0, this.settings.codec.encode(data)));
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
    return this.requestAck<T>(event, this.settings.codec.encode(data), options);
  }

  /**
   * @internal `emitWithAck` with the data already encoded by this socket's codec: a broadcast
   * asking many sockets encodes it once per codec.
   */
  async requestAck<T = unknown>(
    event: string,
    payload: string | Uint8Array | undefined,
    options?: EmitWithAckOptions,
  ): Promise<T> {
    if (!this.connected) throw new EtpConnectionClosedError(event);
    this.acks ??= new PendingAcks();
    const answer = await this.acks
      .request(
        event,
        { timeout: options?.timeout ?? this.settings.ackTimeout, signal: options?.signal },
        (ackId) => {
          if (!this.sendFrame(encodeFrame(event, ackId, payload))) {
            throw new EtpConnectionClosedError(event);
          }
        },
      )
      .catch(this.events.ackFailed);
    return this.settings.codec.decode(answer) as T;
  }

  /** Sends a WebSocket ping and resolves on the pong. */
  ping(options?: { timeout?: number }): Promise<void> {
    if (!this.connected) return Promise.reject(new EtpConnectionClosedError('ping'));
    const timeout = options?.timeout ?? this.settings.ackTimeout;
    return (this.pings ??= new PendingPings()).wait(timeout, () => this.ws.ping());
  }

  /** Closes the connection with a close status (1000 by default) and text. */
  close(code = 1000, reason?: string): void {
    this.closedByServer = true;
    this.reading.releaseForClose();
    this.ws.close(code, reason);
    this.startClosing();
  }

  /** Whether the connection ended with a normal status (1000, 1001 or 1005). */
  isNormalClose(): boolean {
    return isNormalClose(this.closeCode);
  }

  /** @internal Writes an encoded frame: text as a text message, bytes as a binary one. */
  sendFrame(frame: string | Uint8Array): boolean {
    if (this.ws.readyState !== WEBSOCKET_OPEN) return false;
    if (!this.corked && this.stream !== undefined) {
      // The answers to a burst of requests are written within one turn of the event loop: held
      // until its check phase, they leave in one system call instead of one each.
      this.corked = true;
      this.stream.cork();
      setImmediate(flushSocket, this);
    }
    this.ws.send(frame, typeof frame === 'string' ? TEXT : BINARY);
    if (this.ws.bufferedAmount > this.settings.pauseReadingAt) this.handleBacklog();
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
    if (this.ws.readyState !== WEBSOCKET_OPEN) return false;
    // The server never compresses (perMessageDeflate is off), so ws keeps no queue of its own
    // and a whole message written to the stream lands between ws's messages, never inside one.
    if (this.stream !== undefined) this.stream.write(frame.wire);
    else this.ws.send(frame.bytes, frame.options);
    if (this.ws.bufferedAmount > this.settings.pauseReadingAt) this.handleBacklog();
    return true;
  }

  /**
   * The peer is behind in reading. What sits corked is written out first (the kernel may take
   * it); then a backlog past `maxBufferedBytes` ends the connection, a smaller one stops reading
   * from the peer until it drains.
   */
  private handleBacklog(): void {
    this.flush();
    if (!backlogOverLimit(this.ws, this.reading, this.stream, this.settings.maxBufferedBytes))
      return;
    if (this.slowConsumer) return;
    this.slowConsumer = this.closedByServer = true;
    this.events.slowConsumer(this, this.ws.bufferedAmount);
    // It does not read, so the close frame would wait behind the backlog: end it now.
    this.ws.close(EtpClose.SlowConsumer.code, EtpClose.SlowConsumer.reason);
    this.ws.terminate();
    this.startClosing();
  }

  /**
   * From the first step of a close, the connection is no member of anything (the server tells
   * the rooms registry), and no answer can come any more: `ws` drops what arrives once closing.
   * The peer's own close frame has no event; the registry sees `connected` turn false instead.
   */
  private startClosing(): void {
    this.acks?.rejectAll('the connection is closing');
    this.events.closing(this);
  }

  /** @internal Settles one of this socket's `emitWithAck` requests. */
  settleAck(ackId: number, data: Uint8Array | null): boolean {
    return this.acks?.settle(ackId, data) === true;
  }

  /** @internal Runs once the connection has ended, after the pending acks were rejected. */
  onClose(listener: CloseListener): void {
    (this.closeListeners ??= []).push(listener);
  }

  /** @internal A heartbeat ping; the pong that echoes `token` comes back through `handlePong`. */
  sendPing(token: Buffer): void {
    this.pingToken = token;
    if (this.ws.readyState === WEBSOCKET_OPEN) this.ws.ping(token);
  }

  /** @internal Ends a peer that stopped answering pings. */
  expireHeartbeat(): void {
    this.heartbeatExpired = true;
    this.flush();
    this.ws.terminate();
    this.startClosing();
  }

  /** @internal Ends the connection at once, without a closing handshake. */
  terminate(): void {
    this.closedByServer = true;
    this.flush();
    this.ws.terminate();
    this.startClosing();
  }

  /** @internal */
  handlePong(data: Buffer): void {
    // An unsolicited pong, or one answering an older round, proves nothing about the peer now.
    if (this.pingToken !== undefined && data.equals(this.pingToken)) this.alive = true;
    this.pings?.settle();
  }

  /** @internal */
  handleError(error: Error): void {
    this.connectionError ??= error;
  }

  /** @internal */
  handleClose(code: number, reason: Buffer): void {
    const { slowConsumer, heartbeatExpired, closedByServer } = this;
    const actions = { slowConsumer, heartbeatExpired, closedByServer };
    const ending = explainConnectionEnd(actions, code, reason, this.connectionError);
    this.ending = ending;
    const why = ending.reason;
    this.acks?.rejectAll(why);
    this.pings?.clear();
    this.budget?.stop();
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
