import type { EtpPayloadCodec } from '../protocol/codec.js';
import type { Backpressure, BackloggedPeer } from './backpressure.js';

/**
 * What a connection reads of the server that accepted it, and tells it: one object per server,
 * shared by all its connections. Generic in the socket so that the socket and the server need
 * not import each other.
 */
export interface SocketHost<Socket extends BackloggedPeer> {
  /** The gateway's payload codec. */
  readonly codec: EtpPayloadCodec;
  /** Default timeout of `emitWithAck` and `ping`, in ms. */
  readonly ackTimeout: number;
  /** Judges the backlog after every write, and drops a slow consumer. */
  readonly backpressure: Backpressure<Socket>;
  /** The connection starts closing, by the server or for it (not by the peer). */
  closing(socket: Socket): void;
  /** The rooms the connection is in. */
  roomsOf(socket: Socket): ReadonlySet<string>;
  /** Counts a failed `emitWithAck` and rethrows its error. */
  ackFailed(error: unknown): never;
}
