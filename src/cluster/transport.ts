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
  /** Says goodbye on `channel`, then closes what it opened. */
  close(goodbye: Buffer, channel: string): Promise<void>;
}
