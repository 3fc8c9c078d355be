import type { HistoryKeys } from './channels.js';

/** What a transport tells the broker that uses it. */
export interface TransportHandlers {
  /** The bytes of a message on one of the channels the transport listens on. */
  onMessage(channel: string, message: Buffer): void;
  /** The transport is up: at start, and again after every outage. */
  onReady(): void;
  /** A handler threw: reported here, never to the client library, which may rethrow it. */
  onError(where: string, error: unknown): void;
}

/**
 * What a broker between instances needs of a message bus, and no more: channels to publish
 * bytes on and to listen on. It knows nothing of what the bytes say (src/cluster does); the
 * Redis one is in src/redis.
 */
export interface ClusterTransport {
  /** Connects and listens on `channels`; resolves once messages can go out and come in. */
  open(channels: readonly string[]): Promise<void>;
  /** Both ways are up: broadcasts go out and the other instances' messages come in. */
  readonly connected: boolean;
  /**
   * Whether the count `publishOrFail` resolves with is exactly the listeners of that channel,
   * so that a request on a room's channel knows how many replies to wait for.
   */
  readonly countsListeners?: boolean;
  /** Why a message cannot be published now, or `undefined` when it can. */
  readonly unavailable: string | undefined;
  /** Publishes a broadcast; `failed` runs when the bus may not have taken it. */
  publish(channel: string, bytes: Buffer, failed: (why: string) => void): void;
  /**
   * Publishes a request: the error when the bus cannot take it now, otherwise how many
   * listeners got it, when the bus tells (`undefined` when it does not).
   */
  publishOrFail(channel: string, bytes: Buffer): Error | Promise<number | undefined>;
  /** Heartbeats and replies: one lost in an outage is made up by the next, or by a timeout. */
  publishQuietly(channel: string, bytes: Buffer): void;
  /** Starts and stops listening on channels; either may reject when the bus refused it. */
  listen(channels: readonly string[]): Promise<void>;
  unlisten(channels: readonly string[]): Promise<void>;
  /**
   * Keeps one room's copy of a broadcast in that room's history and publishes it on the room's
   * channel, as one step in the store: the store gives it the room's next offset, so every
   * listener hears a room's kept broadcasts in offset order, the publisher too. What a listener
   * hears is described at {@link KEPT_MARK}. `failed` runs when the store may not have taken it.
   * Transports without history have none of these.
   */
  publishKept?(
    keys: HistoryKeys,
    bytes: Buffer,
    limits: HistoryLimits,
    failed: (why: string) => void,
  ): void;
  /**
   * The room's epoch (made now when it has none), its last offset, the store's clock, and, when
   * `since` is of that epoch and the room went past it by at most `maxMessages`, the entries
   * from offset `since.offset + 1` on (at most `maxMessages + 1`), as stored. Rejects when the
   * store cannot be read.
   */
  readHistory?(
    keys: HistoryKeys,
    since: { readonly epoch: string; readonly offset: number } | undefined,
    limits: HistoryLimits,
  ): Promise<StoredHistory>;
  /** Says goodbye on `channel`, then closes what it opened. */
  close(goodbye: Buffer, channel: string): Promise<void>;
}

/** How much a room's history holds, and how long its epoch outlives a quiet room. */
export interface HistoryLimits {
  readonly maxMessages: number;
  /** ms: no entry is older; the entries go with the last of them. */
  readonly maxDisconnection: number;
  /** ms the epoch and last offset outlive the last broadcast or read of the room. */
  readonly epochLifetime: number;
}

/** One entry as the store holds it: `undefined` fields where it was not of our making. */
export interface StoredEntry {
  readonly offset: number | undefined;
  /** When it was kept, by the store's clock, ms. */
  readonly time: number | undefined;
  readonly bytes: Buffer | undefined;
}

/** A room's history as the store holds it: nothing in it is checked yet. */
export interface StoredHistory {
  readonly epoch: string;
  readonly offset: number;
  /** The store's clock, ms: the age of the entries is measured on it. */
  readonly now: number;
  readonly entries: readonly StoredEntry[];
}

/**
 * A kept broadcast as it is heard on a room's channel: `!<epoch> <offset>\n` then the
 * sealed message. An envelope starts with its sender's id in hex, never `!`.
 */
export const KEPT_MARK = 0x21;
