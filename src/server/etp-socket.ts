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
import type { WsMessageHandler } from '@nestjs/common';
import { encodeFrame } from '../protocol/frame.js';
import type { EtpPayloadCodec } from '../protocol/codec.js';
import type { EtpDisconnectReason } from '../protocol/close.js';
import { EtpConnectionClosedError } from '../protocol/errors.js';
import { PendingAcks, type EmitWithAckOptions } from '../protocol/pending-acks.js';
import { PendingPings } from '../protocol/pending-pings.js';
import type { EtpHandshake } from './handshake.js';
import type { ServerWebSocket } from './server-websocket.js';
import type { SocketHost } from './socket-host.js';
import { SocketTransport } from './socket-transport.js';

/** No gateway's handlers bound yet: shared, as binding makes a list of the exact size. */
const NO_HANDLERS: readonly WsMessageHandler[][] = [];

/**
 * One ETP connection of a gateway: what `@ConnectedSocket()`, the lifecycle hooks, guards and
 * REQUEST-scoped providers receive. It deliberately has no `send` method and no `readyState`:
 * Nest's exception filter then answers through `emit`, as an ETP frame.
 */
export class EtpSocket<
  EmitEvents extends EtpEventsMap = EtpDefaultEventsMap,
> extends SocketTransport<EtpSocket> {
  /** 16 random bytes from a cryptographic source, as 32 hex characters. */
  readonly id: string = randomBytes(16).toString('hex');

  /**
   * What is kept of the handshake's HTTP request: its `url`, its `headers` and the peer's
   * address (`request.socket.remoteAddress`). Not the `IncomingMessage` itself (see
   * `EtpHandshake`); `authorize` gets that one.
   */
  readonly request: EtpHandshake;
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
  handlers: readonly WsMessageHandler[][] = NO_HANDLERS;

  private dataMap: Map<string, unknown> | undefined;
  private acks: PendingAcks | undefined;
  private pings: PendingPings | undefined;

  /** Made by the gateway server for each connection it accepts, never by an application. */
  constructor(ws: ServerWebSocket, request: EtpHandshake, host: SocketHost<EtpSocket>) {
    super(ws, host);
    this.request = request;
  }

  /** Anything the application keeps for this connection. */
  get data(): Map<string, unknown> {
    return (this.dataMap ??= new Map());
  }

  /** The rooms this connection is in, as the room registry keeps them. */
  get rooms(): ReadonlySet<string> {
    return this.host.roomsOf(this);
  }

  /** The gateway's payload codec. */
  get codec(): EtpPayloadCodec {
    return this.host.codec;
  }

  /** Sends an event; `false` when the connection is no longer open and nothing was sent. */
  emit<E extends EtpEventNames<EmitEvents>>(event: E, ...data: EtpEmitArgs<EmitEvents, E>): boolean;
  emit(event: EtpUntypedEventName<EmitEvents>, data?: unknown): boolean;
  emit(event: string, data?: unknown): boolean {
    return this.sendFrame(encodeFrame(event, 0, this.host.codec.encode(data)));
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
    return this.requestAck<T>(event, this.host.codec.encode(data), options);
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
        { timeout: options?.timeout ?? this.host.ackTimeout, signal: options?.signal },
        (ackId) => {
          if (!this.sendFrame(encodeFrame(event, ackId, payload))) {
            throw new EtpConnectionClosedError(event);
          }
        },
      )
      .catch(this.host.ackFailed);
    return this.host.codec.decode(answer) as T;
  }

  /** Sends a WebSocket ping and resolves on the pong. */
  ping(options?: { timeout?: number }): Promise<void> {
    if (!this.connected) return Promise.reject(new EtpConnectionClosedError('ping'));
    const timeout = options?.timeout ?? this.host.ackTimeout;
    return (this.pings ??= new PendingPings()).wait(timeout, () => this.ws.ping());
  }

  /** @internal Settles one of this socket's `emitWithAck` requests. */
  settleAck(ackId: number, data: Uint8Array | null): boolean {
    return this.acks?.settle(ackId, data) === true;
  }

  /** @internal A pong: it answers the pings of `ping()`. */
  handlePong(): void {
    this.pings?.settle();
  }

  protected override closingStarted(): void {
    this.acks?.rejectAll('the connection is closing');
  }

  protected override ended(why: EtpDisconnectReason): void {
    this.acks?.rejectAll(why);
    this.pings?.clear();
  }
}
