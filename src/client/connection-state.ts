/** Where a client's connection stands; one value, as `ws` keeps one `readyState`. */
export const ConnectionState = {
  /** No connection, and none being made. */
  Closed: 'closed',
  /** An attempt is under way. */
  Connecting: 'connecting',
  Open: 'open',
  /** This side is closing the connection (why: `closingAs`). */
  Closing: 'closing',
  /** A lost or failed connection: the next attempt is scheduled. */
  Waiting: 'waiting',
} as const;

export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];
