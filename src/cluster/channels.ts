/**
 * The channels of one application (one prefix), as one instance uses them. Every instance
 * listens on `broadcast` (broadcasts to everyone), `control` (presence, requests) and its own
 * `replies`; and on the channel of each room that has a member on it, and of each of its
 * connections (a socket id names a room of one), so a broadcast to rooms reaches only the
 * instances holding a member.
 */
export interface Channels {
  readonly broadcast: string;
  readonly control: string;
  /** Where the answers to this instance's requests come. */
  readonly replies: string;
  replyTo(instance: string): string;
  /** The channel of a room, or of a socket id. */
  room(name: string): string;
  /** The room a channel is of, or `undefined` for any other channel. */
  roomOf(channel: string): string | undefined;
  /** Where a room's kept broadcasts are stored: in the same Redis Cluster slot as its channel. */
  history(name: string): HistoryKeys;
}

/** The keys of one room's history, and its channel. */
export interface HistoryKeys {
  readonly channel: string;
  /** The kept broadcasts. */
  readonly entries: string;
  /** The epoch and the last offset, kept longer than the entries. */
  readonly meta: string;
}

/**
 * A room's name is written between braces, after a colon, in its channel and in its history keys
 * alike (`<prefix>:room{:lobby}`): a Redis Cluster places a name by what its first `{…}` holds,
 * the same in all three (the prefix may hold no brace), so the script that keeps a broadcast and
 * publishes it runs on one node. The colon keeps that part from being empty (a room named `}…`
 * or ``), which Redis would not take for a hash tag.
 */
export function channelsOf(prefix: string, instance: string): Channels {
  if (/[{}]/.test(prefix)) throw new Error(`The channel prefix may hold no brace, got "${prefix}"`);
  const rooms = `${prefix}:room{:`;
  const room = (name: string): string => `${rooms}${name}}`;
  return {
    broadcast: `${prefix}:broadcast`,
    control: `${prefix}:control`,
    replies: `${prefix}:reply:${instance}`,
    replyTo: (other) => `${prefix}:reply:${other}`,
    room,
    roomOf: (channel) =>
      channel.startsWith(rooms) && channel.endsWith('}')
        ? channel.slice(rooms.length, -1)
        : undefined,
    history: (name) => ({
      channel: room(name),
      entries: `${prefix}:history{:${name}}`,
      meta: `${prefix}:history-meta{:${name}}`,
    }),
  };
}
