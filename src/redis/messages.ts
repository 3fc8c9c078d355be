import { deserialize, serialize } from 'node:v8';
import type { EtpBroadcastTarget } from '../rooms/etp-broker.js';

/**
 * What instances tell each other, serialised with `node:v8`: it carries what a payload codec
 * may be handed (Buffers and typed arrays, Dates, Maps, Sets, `undefined`, bigints) as it is,
 * so the receiving instance encodes exactly what the sender would have, with no dependency and
 * no JSON round trip. A payload is serialised once per broadcast, whatever the audience.
 */

/** On the broadcast channel. */
export interface BroadcastMessage {
  readonly from: string;
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
} as const;
export type ReplyKind = (typeof Reply)[keyof typeof Reply];

/** On the requester's own response channel. */
export interface ReplyMessage {
  readonly request: number;
  readonly from: string;
  readonly kind: ReplyKind;
  readonly value?: unknown;
}

/** An instance id (8 random bytes as hex) heads every message, outside the serialised part. */
const SENDER_LENGTH = 16;

/**
 * The sender's id, then the message. Redis hands a publisher its own messages too: with the id
 * in plain bytes up front, an instance drops those without deserialising them.
 */
export function encodeMessage(message: BroadcastMessage | ControlMessage | ReplyMessage): Buffer {
  const body = serialize(message);
  const bytes = Buffer.allocUnsafe(SENDER_LENGTH + body.length);
  bytes.write(message.from, 0, SENDER_LENGTH, 'latin1');
  body.copy(bytes, SENDER_LENGTH);
  return bytes;
}

/** The id of the instance that sent a message. */
export function senderOf(bytes: Buffer): string {
  return bytes.toString('latin1', 0, SENDER_LENGTH);
}

export function decodeMessage<T>(bytes: Buffer): T {
  return deserialize(bytes.subarray(SENDER_LENGTH)) as T;
}

export interface Channels {
  readonly broadcast: string;
  readonly control: string;
  /** Where the answers to this instance's requests come. */
  readonly replies: string;
  replyTo(instance: string): string;
}

export function channelsOf(prefix: string, instance: string): Channels {
  return {
    broadcast: `${prefix}:broadcast`,
    control: `${prefix}:control`,
    replies: `${prefix}:reply:${instance}`,
    replyTo: (other) => `${prefix}:reply:${other}`,
  };
}
