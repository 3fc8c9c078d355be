import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WsMessageHandler } from '@nestjs/common';
import { encodeFrame } from '../protocol/frame.js';
import type { EtpPayloadCodec } from '../protocol/codec.js';
import { DisconnectReason, isNormalClose } from '../protocol/close.js';
import { EtpConnectionClosedError } from '../protocol/errors.js';
import { PendingAcks, type EmitWithAckOptions } from '../protocol/pending-acks.js';
import { holdBack, SLOW_CONSUMER_CLOSE } from './backpressure.js';
import type { EtpServer } from './etp-server.js';

const OPEN = 1;
const TEXT = { binary: false } as const;
const BINARY = { binary: true } as const;
const NO_ROOMS: ReadonlySet<string> = new Set();
const MESSAGE_TOO_BIG = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

/** A frame made ready once for many sockets: text is turned into bytes a single time. */
export interface PreparedFrame {
  readonly bytes: Uint8Array;
  readonly options: typeof TEXT | typeof BINARY;
  /** The whole WebSocket message as a server writes it (final, unmasked), header included. */
  readonly wire: Buffer;
}

export function prepareFrame(frame: string | Uint8Array): PreparedFrame {
  return typeof frame === 'string'
    ? webSocketMessage(Buffer.from(frame, 'utf8'), TEXT, OPCODE_TEXT)
    : webSocketMessage(frame, BINARY, OPCODE_BINARY);
}

const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
const FINAL = 0x80;

/** RFC 6455 framing, done once per broadcast rather than once per socket. */
function webSocketMessage(
  bytes: Uint8Array,
  options: typeof TEXT | typeof BINARY,
  opcode: number,
): PreparedFrame {
  const length = bytes.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const wire = Buffer.allocUnsafe(headerLength + length);
  wire[0] = FINAL | opcode;
  if (length < 126) {
    wire[1] = length;
  } else if (length < 65_536) {
    wire[1] = 126;
    wire.writeUInt16BE(length, 2);
  } else {
    wire[1] = 127;
    wire.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    wire.writeUInt32BE(length >>> 0, 6);
  }
  wire.set(bytes, headerLength);
  return { bytes, options, wire };
}

type CloseListener = (socket: EtpSocket) => void;

/**
 * What a socket uses of its `ws` WebSocket. Named structurally so that the published
 * declarations do not make users install `@types/ws`.
 */
export interface EtpSocketTransport {
  readonly readyState: number;
  /** Bytes written but not yet taken by the kernel, the TCP stream's backlog included. */
  readonly bufferedAmount: number;
  readonly isPaused: boolean;
  send(data: string | Uint8Array, options: { readonly binary: boolean }): void;
  ping(data?: Uint8Array): void;
  pause(): void;
  resume(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

/**
 * One ETP connection of a gateway: what `@ConnectedSocket()`, the lifecycle hooks, guards and
 * REQUEST-scoped providers receive. It deliberately has no `send` method and no `readyState`:
 * Nest's exception filter then answers through `emit`, as an ETP frame.
 */
export class EtpSocket {
  /** 16 random bytes from a cryptographic source, as 32 hex characters. */
  readonly id: string = randomBytes(16).toString('hex');

  /** Close status once the connection has ended (1006 when it ended without a close frame). */
  closeCode: number | undefined;
  /** Close text sent by the side that closed, if any. */
  closeReason: string | undefined;
  /** The transport error that ended or preceded the end of the connection, if any. */
  closeError: Error | undefined;
  /** Why the connection ended, as handed to `handleDisconnect`. */
  disconnectReason: DisconnectReason | undefined;
  /** What the gateway's `authorize` returned for this connection's handshake. */
  auth: unknown;

  /** @internal Nest's handler lists bound to this socket, one per gateway on its path. */
  handlers: WsMessageHandler[][] = [];
  /** @internal Cleared by a ping round, set by the pong. */
  alive = true;

  /** @internal The rooms this connection is in, kept by the room registry. */
  roomSet: Set<string> | undefined;
  /** @internal The TCP stream under the WebSocket, corked while a turn's frames pile up. */
  transport: Duplex | undefined;
  private corked = false;

  private dataMap: Map<string, unknown> | undefined;
  private acks: PendingAcks | undefined;
  private pings: Array<() => void> | undefined;
  private closeListeners: CloseListener[] | undefined;
  private closedByServer = false;
  private heartbeatExpired = false;
  private slowConsumer = false;
  /** The token of the last heartbeat ping; only a pong echoing it proves the peer alive. */
  private pingToken: Buffer | undefined;

  /** @internal Made by the gateway server for each accepted connection. */
  constructor(
    private readonly ws: EtpSocketTransport,
    /** The HTTP request of the handshake. */
    readonly request: IncomingMessage,
    /** The gateway server that accepted it. */
    readonly server: EtpServer,
  ) {}

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
  emit(event: string, data?: unknown): boolean {
    return this.sendFrame(encodeFrame(event, 0, this.server.codec.encode(data)));
  }

  /** Sends an event and resolves with the peer's answer, decoded by the gateway's codec. */
  async emitWithAck<T = unknown>(
    event: string,
    data?: unknown,
    options?: EmitWithAckOptions,
  ): Promise<T> {
    if (!this.connected) throw new EtpConnectionClosedError(event);
    const payload = this.server.codec.encode(data);
    this.acks ??= new PendingAcks();
    const answer = await this.acks.request(
      event,
      { timeout: options?.timeout ?? this.server.ackTimeout, signal: options?.signal },
      (ackId) => {
        if (!this.sendFrame(encodeFrame(event, ackId, payload))) {
          throw new EtpConnectionClosedError(event);
        }
      },
    );
    return this.server.codec.decode(answer) as T;
  }

  /** Sends a WebSocket ping and resolves on the pong. */
  ping(options?: { timeout?: number }): Promise<void> {
    if (!this.connected) return Promise.reject(new EtpConnectionClosedError('ping'));
    const timeout = options?.timeout ?? this.server.ackTimeout;
    return new Promise((resolve, reject) => {
      const pings = (this.pings ??= []);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      pings.push(done);
      if (timeout > 0) {
        timer = setTimeout(() => {
          const at = pings.indexOf(done);
          if (at !== -1) pings.splice(at, 1);
          reject(new Error(`No pong within ${timeout} ms`));
        }, timeout);
      }
      this.ws.ping();
    });
  }

  /** Closes the connection with a close status (1000 by default) and text. */
  close(code = 1000, reason?: string): void {
    this.closedByServer = true;
    // The closing handshake needs the peer's close frame: a socket held back must read again.
    if (this.ws.isPaused) this.ws.resume();
    this.ws.close(code, reason);
  }

  /** Whether the connection ended with a normal status (1000, 1001 or 1005). */
  isNormalClose(): boolean {
    return isNormalClose(this.closeCode);
  }

  /** @internal Writes an encoded frame: text as a text message, bytes as a binary one. */
  sendFrame(frame: string | Uint8Array): boolean {
    if (this.ws.readyState !== OPEN) return false;
    if (!this.corked && this.transport !== undefined) {
      // The answers to a burst of requests are written within one turn of the event loop: held
      // until its check phase, they leave in one system call instead of one each.
      this.corked = true;
      this.transport.cork();
      setImmediate(flushSocket, this);
    }
    this.ws.send(frame, typeof frame === 'string' ? TEXT : BINARY);
    if (this.ws.bufferedAmount > this.server.pauseReadingAt) this.relieve();
    return true;
  }

  /** @internal Writes out the frames held back since the turn began. */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.transport?.uncork();
  }

  /** @internal Writes a frame prepared once for a broadcast. */
  sendPrepared(frame: PreparedFrame): boolean {
    if (this.ws.readyState !== OPEN) return false;
    // The server never compresses (perMessageDeflate is off), so ws keeps no queue of its own
    // and a whole message written to the stream lands between ws's messages, never inside one.
    if (this.transport !== undefined) this.transport.write(frame.wire);
    else this.ws.send(frame.bytes, frame.options);
    if (this.ws.bufferedAmount > this.server.pauseReadingAt) this.relieve();
    return true;
  }

  /**
   * The peer is behind in reading. What sits corked is written out first (the kernel may take
   * it); then a backlog past `maxBufferedBytes` ends the connection, a smaller one stops reading
   * from the peer until it drains.
   */
  private relieve(): void {
    this.flush();
    if (!holdBack(this.ws, this.transport, this.server.maxBufferedBytes)) return;
    if (this.slowConsumer) return;
    this.slowConsumer = this.closedByServer = true;
    this.server.reportSlowConsumer(this, this.ws.bufferedAmount);
    // It does not read, so the close frame would wait behind the backlog: end it now.
    this.ws.close(SLOW_CONSUMER_CLOSE, DisconnectReason.SlowConsumer);
    this.ws.terminate();
  }

  /** @internal Settles one of this socket's `emitWithAck` requests. */
  settleAck(ackId: number, data: Uint8Array | null): void {
    this.acks?.settle(ackId, data);
  }

  /** @internal Runs once the connection has ended, after the pending acks were rejected. */
  onClose(listener: CloseListener): void {
    (this.closeListeners ??= []).push(listener);
  }

  /** @internal A heartbeat ping; the pong that echoes `token` comes back through `handlePong`. */
  sendPing(token: Buffer): void {
    this.pingToken = token;
    if (this.ws.readyState === OPEN) this.ws.ping(token);
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
  handlePong(data: Buffer): void {
    // An unsolicited pong, or one answering an older round, proves nothing about the peer now.
    if (this.pingToken !== undefined && data.equals(this.pingToken)) this.alive = true;
    const pings = this.pings;
    if (pings === undefined || pings.length === 0) return;
    this.pings = undefined;
    for (const done of pings) done();
  }

  /** @internal */
  handleError(error: Error): void {
    this.closeError ??= error;
  }

  /** @internal */
  handleClose(code: number, reason: Buffer): void {
    this.closeCode = code;
    this.closeReason = reason.length > 0 ? reason.toString('utf8') : undefined;
    this.disconnectReason = this.explainClose();
    this.acks?.rejectAll(this.disconnectReason);
    this.pings = undefined;
    const listeners = this.closeListeners;
    this.closeListeners = undefined;
    if (listeners !== undefined) {
      for (const listener of listeners) listener(this);
    }
  }

  private explainClose(): DisconnectReason {
    if (this.slowConsumer) {
      this.closeCode = SLOW_CONSUMER_CLOSE;
      return DisconnectReason.SlowConsumer;
    }
    if (this.heartbeatExpired) return DisconnectReason.HeartbeatTimeout;
    if ((this.closeError as { code?: string } | undefined)?.code === MESSAGE_TOO_BIG) {
      this.closeCode = 1009;
      return DisconnectReason.MessageTooBig;
    }
    if (this.closedByServer) return DisconnectReason.ServerClosed;
    if (this.closeError !== undefined || this.closeCode === 1006) {
      return DisconnectReason.TransportError;
    }
    return DisconnectReason.ClientClosed;
  }
}

function flushSocket(socket: EtpSocket): void {
  socket.flush();
}
