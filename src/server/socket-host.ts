import type { EtpPayloadCodec } from '../protocol/codec.js';

/** What a connection reads of its gateway's settings. */
export interface SocketSettings {
  readonly codec: EtpPayloadCodec;
  /** Default timeout of `emitWithAck` and `ping`, in ms. */
  readonly ackTimeout: number;
  /** The backlog past which the peer is closed as a slow consumer. */
  readonly maxBufferedBytes: number;
  /** The backlog above which reading from the peer stops. */
  readonly pauseReadingAt: number;
  /** Messages per second handled from the peer; 0: no limit. */
  readonly maxEventsPerSecond: number;
}

/**
 * What a connection tells the server that accepted it, and asks of it. Generic in the socket so
 * that the socket and the server need not import each other.
 */
export interface SocketEvents<Socket> {
  /** The connection was closed for falling `buffered` bytes behind in reading. */
  slowConsumer(socket: Socket, buffered: number): void;
  /** The connection starts closing, by the server or for it (not by the peer). */
  closing(socket: Socket): void;
  /** The rooms the connection is in. */
  roomsOf(socket: Socket): ReadonlySet<string>;
  /** Counts a failed `emitWithAck` and rethrows its error. */
  ackFailed(error: unknown): never;
}
