import { PAUSED_FOR_BACKLOG, type ReadPause } from './read-pause.js';

/** What back-pressure needs of a TCP stream. */
export interface DrainingStream {
  /** Whether a write was refused, so that a 'drain' will come. */
  readonly writableNeedDrain: boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/** What back-pressure needs of one connection. */
export interface BackloggedPeer {
  /** Bytes not yet taken by the kernel: ws's own queue plus the TCP stream's buffer. */
  readonly bufferedAmount: number;
  /** The TCP stream under the WebSocket, once the connection is accepted. */
  readonly stream: DrainingStream | undefined;
  /** Why reading from the peer is stopped. */
  readonly reading: ReadPause;
  /** Writes out what sits corked, so that the kernel may take it before the backlog is judged. */
  flush(): void;
  /** Whether it has been ended as a slow consumer already. */
  readonly droppedAsSlowConsumer: boolean;
  /** Ends the connection at once as a slow consumer. */
  dropAsSlowConsumer(): void;
}

/**
 * One gateway's back-pressure, one object for all its connections: after a write leaves a
 * connection with more than `pauseReadingAt` bytes the kernel has not taken, what sits corked is
 * written out first; then a backlog past `maxBufferedBytes` ends the connection as a slow consumer
 * (reported once), a smaller one stops reading from the peer until its stream has drained, so that
 * a peer sending requests without reading the answers is held back by TCP (its own send buffer
 * fills) rather than by this process's memory.
 */
export class Backpressure<Peer extends BackloggedPeer = BackloggedPeer> {
  constructor(
    /** How far a peer may fall behind in reading before it is closed as a slow consumer. */
    readonly maxBufferedBytes: number,
    /** The backlog above which the server stops reading from a peer. */
    readonly pauseReadingAt: number,
    /** Told once per connection dropped, with its backlog; the connection is ended right after. */
    private readonly slowConsumer: (peer: Peer, buffered: number) => void,
  ) {}

  /** After every write to `peer`: the common case costs one comparison. */
  afterWrite(peer: Peer): void {
    if (peer.bufferedAmount > this.pauseReadingAt) this.handleBacklog(peer);
  }

  /** A backlog over `pauseReadingAt`: stop reading until it drains, or drop a slow consumer. */
  private handleBacklog(peer: Peer): void {
    peer.flush();
    const buffered = peer.bufferedAmount;
    if (buffered > this.maxBufferedBytes) {
      if (peer.droppedAsSlowConsumer) return;
      this.slowConsumer(peer, buffered);
      peer.dropAsSlowConsumer();
      return;
    }
    const { reading, stream } = peer;
    // 'drain' only comes after a write the stream refused; without one there is nothing to wait on.
    if (
      !reading.isPausedFor(PAUSED_FOR_BACKLOG) &&
      stream !== undefined &&
      stream.writableNeedDrain
    ) {
      reading.pauseFor(PAUSED_FOR_BACKLOG);
      stream.once('drain', () => reading.resumeFrom(PAUSED_FOR_BACKLOG));
    }
  }
}
