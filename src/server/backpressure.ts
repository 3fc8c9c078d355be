import type { Writable } from 'node:stream';
import { PAUSED_FOR_BACKLOG, type ReadPause } from './read-pause.js';

/** What backpressure needs of a `ws` WebSocket. */
interface Buffered {
  /** Bytes not yet taken by the kernel: ws's own queue plus the TCP stream's buffer. */
  readonly bufferedAmount: number;
}

/**
 * Called once a connection's backlog has passed the pause mark. `true`: the backlog is past
 * `maxBufferedBytes` and the peer must go. Otherwise (`false`) stops reading from the peer until the stream
 * has drained, so that a peer sending requests without reading the answers is held back by TCP
 * (its own send buffer fills) rather than by this process's memory.
 */
export function backlogOverLimit(
  ws: Buffered,
  reading: ReadPause,
  stream: Writable | undefined,
  maxBufferedBytes: number,
): boolean {
  if (ws.bufferedAmount > maxBufferedBytes) return true;
  // 'drain' only comes after a write the stream refused; without one there is nothing to wait on.
  if (!reading.holds(PAUSED_FOR_BACKLOG) && stream !== undefined && stream.writableNeedDrain) {
    reading.hold(PAUSED_FOR_BACKLOG);
    stream.once('drain', () => reading.release(PAUSED_FOR_BACKLOG));
  }
  return false;
}
