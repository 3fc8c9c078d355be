import type { EtpBroadcastTarget } from '../rooms/etp-broker.js';

/**
 * What instances tell each other, serialised with `node:v8`: it carries what a payload codec
 * may be handed (Buffers and typed arrays, Dates, Maps, Sets, `undefined`, bigints) as it is,
 * so the receiving instance encodes exactly what the sender would have, with no dependency and
 * no JSON round trip. A payload is serialised once per broadcast, whatever the audience.
 * Every message is checked for shape when it comes in (shape.ts), and carried in an envelope
 * (envelope.ts) that names its sender and may be signed.
 */

/**
 * On the channel every instance reads (a broadcast to everyone), or on the channel of one of
 * its rooms: a broadcast to several rooms is one copy per room, each saying its room.
 */
export interface BroadcastMessage {
  readonly from: string;
  /** The sender's number for it: growing with each broadcast it hands to the transport. */
  readonly seq: number;
  /** The sender's number for it on this channel: 1, 2, 3… (sequences.ts). */
  readonly n?: number;
  /** The room whose channel carries this copy; `undefined` on the channel of everyone. */
  readonly room?: string;
  readonly event: string;
  readonly data: unknown;
  readonly rooms: readonly string[] | undefined;
  readonly except: readonly string[];
}

export const Control = {
  /** An instance started, or came back: the others answer with a heartbeat. */
  Hello: 0,
  Heartbeat: 1,
  /** An instance is shutting down. */
  Bye: 2,
  FetchSockets: 3,
  SocketsJoin: 4,
  SocketsLeave: 5,
  DisconnectSockets: 6,
  EmitWithAck: 7,
} as const;
export type ControlKind = (typeof Control)[keyof typeof Control];

/** On the control channel: presence, and requests every other instance answers. */
export interface ControlMessage {
  readonly kind: ControlKind;
  readonly from: string;
  readonly request?: number;
  readonly target?: EtpBroadcastTarget;
  readonly rooms?: readonly string[];
  readonly event?: string;
  readonly data?: unknown;
  readonly timeout?: number;
  readonly code?: number;
  readonly reason?: string;
}

export const Reply = {
  /** The request was carried out (join, leave, disconnect). */
  Done: 0,
  /** The instance's members, for `fetchSockets`. */
  Sockets: 1,
  /** How many members the instance asked, for `emitWithAck`; its answers follow. */
  Count: 2,
  Answer: 3,
  Missed: 4,
  /** A member disconnected before answering. */
  Gone: 5,
  /** One part of a reply too long for one message (`CHUNK_BYTES`); the parts make its bytes. */
  Chunk: 6,
  /** The instance will not carry the request out; `value` says why. */
  Refused: 7,
} as const;
export type ReplyKind = (typeof Reply)[keyof typeof Reply];

/** On the requester's own response channel. */
export interface ReplyMessage {
  readonly request: number;
  readonly from: string;
  readonly kind: ReplyKind;
  readonly value?: unknown;
}

/** A {@link Reply.Chunk}: part `index` of `count` of the serialised reply numbered `series`. */
export interface ChunkMessage extends ReplyMessage {
  readonly kind: typeof Reply.Chunk;
  readonly series: number;
  readonly index: number;
  readonly count: number;
  readonly bytes: Uint8Array;
}

export type ClusterMessage = BroadcastMessage | ControlMessage | ReplyMessage;
