/**
 * What one instance accepts from the others. Another instance is a peer on a shared channel,
 * not part of this process: whatever it sends (a bug, an older version, anyone who can publish
 * on the channels) is held to these bounds, so that it can neither end this process nor make it
 * hold memory without bound.
 */

/** Most room names (or socket ids) one target or one join may name. */
export const MAX_NAMES = 100_000;
/** Longest room name, event name or close reason accepted from another instance, in characters. */
export const MAX_NAME_LENGTH = 16_384;

/**
 * Longest an `emitWithAck` of another instance waits here for a member's answer, ms. A longer
 * timeout (or none: `0`) is cut to this; the asking instance still applies its own.
 */
export const MAX_PEER_ACK_TIMEOUT = 120_000;
/** `emitWithAck` requests of one other instance carried out here at once; more are refused. */
export const MAX_PEER_ACK_REQUESTS = 1_000;
/** `emitWithAck` requests of all other instances carried out here at once. */
export const MAX_PEER_ACK_REQUESTS_TOTAL = 4_000;

/** Other instances tracked at once; heartbeats of more are ignored until some go. */
export const MAX_PEERS = 512;
/**
 * How many channels an instance keeps broadcast numbers for, as a sender and as a receiver. Past
 * it the longest unused one is forgotten: its numbers start again, with no gap counted.
 */
export const MAX_CHANNELS = 100_000;

/**
 * Largest message one instance publishes for another: a longer reply is sent in chunks of this
 * size. Redis closes a subscriber whose pending output passes 32 MB (8 MB for 60 s), so no one
 * message may come near it.
 */
export const CHUNK_BYTES = 1_000_000;
/**
 * Most bytes of replies one request accepts from all the other instances together (and one
 * instance sends for one request): past it the request fails with a clear error rather than
 * holding the data or getting the subscriber dropped by Redis.
 */
export const MAX_REPLY_BYTES = 16 * 1024 * 1024;
