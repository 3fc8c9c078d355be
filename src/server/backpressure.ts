import type { Writable } from 'node:stream';
import { PAUSED_FOR_BACKLOG, type ReadPause } from './read-pause.js';

/** The share of `maxBufferedBytes` above which the server stops reading from a peer. */
const PAUSE_READING_SHARE = 4;

/** What backpressure needs of a `ws` WebSocket. */
interface Buffered {
  /** Bytes not yet taken by the kernel: ws's own queue plus the TCP stream's buffer. */
  readonly bufferedAmount: number;
}

/** The backlog above which reading stops, for a given `maxBufferedBytes`. */
export function pauseReadingAt(maxBufferedBytes: number): number {
  return Math.floor(maxBufferedBytes / PAUSE_READING_SHARE);
}

export function checkMaxBufferedBytes(value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`maxBufferedBytes must be a positive number of bytes, got ${String(value)}`);
  }
  return value;
}

/**
 * Called once a connection's backlog has passed the pause mark. Returns `true` when it is past
 * `maxBufferedBytes`: the peer must go. Otherwise stops reading from the peer until the stream
 * has drained, so that a peer sending requests without reading the answers is held back by TCP
 * (its own send buffer fills) rather than by this process's memory.
 */
export function holdBack(
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
