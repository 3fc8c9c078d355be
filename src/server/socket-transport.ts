import type { Duplex } from 'node:stream';
import { EtpClose, EtpDisconnectReason, isNormalClose, WEBSOCKET_OPEN } from '../protocol/close.js';
import type { BackloggedPeer } from './backpressure.js';
import { explainConnectionEnd, type ConnectionEnd } from './connection-end.js';
import { EventBudget } from './event-budget.js';
import type { HeartbeatPeer } from './heartbeat.js';
import { ReadPause } from './read-pause.js';
import type { ServerWebSocket } from './server-websocket.js';
import type { SocketHost } from './socket-host.js';
import { BINARY, TEXT, type PreparedFrame } from './websocket-frame.js';

/** Told once the connection has ended, with why. */
export type CloseListener = (reason: EtpDisconnectReason) => void;

// What the server did to the connection, and whether its stream is corked: bits of one field, as
// every field of a socket costs each idle connection 8 bytes.
const CORKED = 1;
const CLOSED_BY_SERVER = 2;
const HEARTBEAT_EXPIRED = 4;
const SLOW_CONSUMER = 8;

/**
 * The transport under an `EtpSocket`: its WebSocket as the server writes to it (writes corked for
 * a turn, broadcast frames, back-pressure), reads from it (paused, budgeted), and ends it (how, and
 * why). Whatever it keeps per connection is made when first needed: most connections are idle.
 */
export abstract class SocketTransport<Self extends BackloggedPeer>
  implements BackloggedPeer, HeartbeatPeer
{
  /** @internal The TCP stream under the WebSocket, corked while a turn's frames pile up. */
  stream: Duplex | undefined;
  /** @internal The messages per second the peer may still send, once it sent one. */
  budget: EventBudget | undefined;

  private flags = 0;
  private pause: ReadPause | undefined;
  private ending: ConnectionEnd | undefined;
  private connectionError: Error | undefined;
  private closeListeners: CloseListener | CloseListener[] | undefined;

  protected constructor(
    protected readonly ws: ServerWebSocket,
    protected readonly host: SocketHost<Self>,
  ) {}

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

  /** Whether the connection is open. */
  get connected(): boolean {
    return this.ws.readyState === WEBSOCKET_OPEN;
  }

  /** Closes the connection with a close status (1000 by default) and text. */
  close(code = 1000, reason?: string): void {
    this.flags |= CLOSED_BY_SERVER;
    this.reading.resumeForClose();
    this.ws.close(code, reason);
    this.startClosing();
  }

  /** Whether the connection ended with a normal status (1000, 1001 or 1005). */
  isNormalClose(): boolean {
    return isNormalClose(this.closeCode);
  }

  /** @internal Why reading from the peer is stopped, if it is. */
  get reading(): ReadPause {
    return (this.pause ??= new ReadPause(this.ws));
  }

  /** @internal Whether reading is stopped for `reason`, without making the pause's state. */
  readingHeldFor(reason: number): boolean {
    return this.pause?.isPausedFor(reason) === true;
  }

  /** @internal The peer has sent its first message: its budget starts, full. */
  startBudget(perSecond: number): EventBudget {
    return (this.budget = new EventBudget(perSecond, this.reading));
  }

  /** @internal Bytes written but not yet taken by the kernel. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /** @internal Writes an encoded frame: text as a text message, bytes as a binary one. */
  sendFrame(frame: string | Uint8Array): boolean {
    if (this.ws.readyState !== WEBSOCKET_OPEN) return false;
    if ((this.flags & CORKED) === 0 && this.stream !== undefined) {
      // The answers to a burst of requests are written within one turn of the event loop: held
      // until its check phase, they leave in one system call instead of one each.
      this.flags |= CORKED;
      this.stream.cork();
      setImmediate(flushTransport, this);
    }
    this.ws.send(frame, typeof frame === 'string' ? TEXT : BINARY);
    this.host.backpressure.afterWrite(this.self());
    return true;
  }

  /** @internal Writes out the frames held back since the turn began. */
  flush(): void {
    if ((this.flags & CORKED) === 0) return;
    this.flags &= ~CORKED;
    this.stream?.uncork();
  }

  /** @internal Writes a frame prepared once for a broadcast. */
  sendPrepared(frame: PreparedFrame): boolean {
    if (this.ws.readyState !== WEBSOCKET_OPEN) return false;
    // The server never compresses (perMessageDeflate is off), so ws keeps no queue of its own
    // and a whole message written to the stream lands between ws's messages, never inside one.
    if (this.stream !== undefined) this.stream.write(frame.wire);
    else this.ws.send(frame.bytes, frame.options);
    this.host.backpressure.afterWrite(this.self());
    return true;
  }

  /** @internal */
  get droppedAsSlowConsumer(): boolean {
    return (this.flags & SLOW_CONSUMER) !== 0;
  }

  /** @internal Ends a peer too far behind in reading. */
  dropAsSlowConsumer(): void {
    this.flags |= SLOW_CONSUMER | CLOSED_BY_SERVER;
    // It does not read, so the close frame would wait behind the backlog: end it now.
    this.ws.close(EtpClose.SlowConsumer.code, EtpClose.SlowConsumer.reason);
    this.ws.terminate();
    this.startClosing();
  }

  /** @internal A heartbeat ping; the pong comes back to the server's heartbeat. */
  sendPing(token: Buffer): void {
    if (this.ws.readyState === WEBSOCKET_OPEN) this.ws.ping(token);
  }

  /** @internal Ends a peer that stopped answering pings. */
  expireHeartbeat(): void {
    this.flags |= HEARTBEAT_EXPIRED;
    this.flush();
    this.ws.terminate();
    this.startClosing();
  }

  /** @internal Ends the connection at once, without a closing handshake. */
  terminate(): void {
    this.flags |= CLOSED_BY_SERVER;
    this.flush();
    this.ws.terminate();
    this.startClosing();
  }

  /** @internal Runs once the connection has ended, after the pending acks were rejected. */
  onClose(listener: CloseListener): void {
    const listeners = this.closeListeners;
    // One listener (Nest's disconnect callback) is the common case: kept as it is, in no array.
    if (listeners === undefined) this.closeListeners = listener;
    else if (typeof listeners === 'function') this.closeListeners = [listeners, listener];
    else listeners.push(listener);
  }

  /** @internal */
  handleError(error: Error): void {
    this.connectionError ??= error;
  }

  /** @internal */
  handleClose(code: number, reason: Buffer): void {
    const flags = this.flags;
    const actions = {
      slowConsumer: (flags & SLOW_CONSUMER) !== 0,
      heartbeatExpired: (flags & HEARTBEAT_EXPIRED) !== 0,
      closedByServer: (flags & CLOSED_BY_SERVER) !== 0,
    };
    const ending = explainConnectionEnd(actions, code, reason, this.connectionError);
    this.ending = ending;
    const why = ending.reason;
    this.ended(why);
    this.budget?.stop();
    const listeners = this.closeListeners;
    this.closeListeners = undefined;
    if (typeof listeners === 'function') listeners(why);
    else if (listeners !== undefined) for (const listener of listeners) listener(why);
  }

  /** The connection starts closing: what waits for an answer can no longer have one. */
  protected abstract closingStarted(): void;

  /** The connection has ended, for `why`: what still waits for the peer fails with it. */
  protected abstract ended(why: EtpDisconnectReason): void;

  /**
   * From the first step of a close, the connection is no member of anything (the server tells
   * the rooms registry), and no answer can come any more: `ws` drops what arrives once closing.
   * The peer's own close frame has no event; the registry sees `connected` turn false instead.
   */
  private startClosing(): void {
    this.closingStarted();
    this.host.closing(this.self());
  }

  /** This transport as the socket class that extends it, the type its host knows. */
  private self(): Self {
    return this as unknown as Self;
  }
}

function flushTransport(transport: { flush(): void }): void {
  transport.flush();
}
