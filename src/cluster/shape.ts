import type { EtpSocketDescription } from '../rooms/etp-broker.js';
import { INSTANCE_ID } from './envelope.js';
import { MAX_NAME_LENGTH, MAX_NAMES } from './limits.js';
import {
  Control,
  Reply,
  type BroadcastMessage,
  type ChunkMessage,
  type ControlMessage,
  type ReplyMessage,
} from './messages.js';

/**
 * The shape of every message one instance takes from another, checked before any of it is
 * used: each field of the kind, of its type, in its range. A message that passes can be handed
 * to the rooms of this instance as it is; one that does not is a string saying what is wrong.
 * Fields a kind does not use are ignored, so that a newer instance may add some.
 */
export type Checked<T> = { readonly message: T } | { readonly problem: string };

type Fields = Record<string, unknown>;

const CONTROL_KINDS: ReadonlySet<unknown> = new Set(Object.values(Control));
const REPLY_KINDS: ReadonlySet<unknown> = new Set(Object.values(Reply));
/** The close codes a WebSocket may send (RFC 6455 §7.4, and `ws`'s own check). */
const SENDABLE_CLOSE_CODES = /^(100[0-3]|10(0[7-9]|1[0-4])|[34]\d{3})$/;
/** A close reason fits the 123 bytes a close frame leaves for it. */
const MAX_CLOSE_REASON_BYTES = 123;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_NAME_LENGTH;
}

function isNames(value: unknown): value is string[] {
  return Array.isArray(value) && value.length <= MAX_NAMES && value.every(isName);
}

/** An event name the ETP frame codec can write: no `||`, which would start another field. */
export function isEventName(value: unknown): value is string {
  return isName(value) && !value.includes('||');
}

function isRequestId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function targetProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'no target';
  if (value.rooms !== undefined && !isNames(value.rooms)) return 'target rooms not a list of names';
  if (!isNames(value.except)) return 'target except not a list of names';
  return undefined;
}

function senderProblem(fields: Fields, sender: string): string | undefined {
  if (typeof fields.from !== 'string' || !INSTANCE_ID.test(fields.from)) return 'no instance id';
  return fields.from === sender ? undefined : 'instance id not the envelope’s';
}

export function checkBroadcast(value: unknown, sender: string): Checked<BroadcastMessage> {
  if (!isRecord(value)) return { problem: 'not an object' };
  const problem =
    senderProblem(value, sender) ??
    (isCount(value.seq) ? undefined : 'seq not a safe integer') ??
    (value.n === undefined || isCount(value.n) ? undefined : 'n not a safe integer') ??
    (value.room === undefined || isName(value.room) ? undefined : 'room not a name') ??
    (isEventName(value.event) ? undefined : 'event not a name the ETP frame codec can write') ??
    targetProblem(value);
  return problem === undefined ? { message: value as unknown as BroadcastMessage } : { problem };
}

function requestProblem(fields: Fields): string | undefined {
  if (!isRequestId(fields.request)) return 'request id not a safe integer';
  const targetWrong = targetProblem(fields.target);
  if (targetWrong !== undefined) return targetWrong;
  switch (fields.kind) {
    case Control.SocketsJoin:
    case Control.SocketsLeave:
      return isNames(fields.rooms) ? undefined : 'rooms not a list of names';
    case Control.DisconnectSockets:
      if (typeof fields.code !== 'number' || !SENDABLE_CLOSE_CODES.test(String(fields.code))) {
        return 'code not a close code';
      }
      if (fields.reason === undefined) return undefined;
      return typeof fields.reason === 'string' &&
        Buffer.byteLength(fields.reason) <= MAX_CLOSE_REASON_BYTES
        ? undefined
        : 'reason not a close reason';
    case Control.EmitWithAck:
      if (!isEventName(fields.event)) return 'event not a name the ETP frame codec can write';
      return typeof fields.timeout === 'number' &&
        Number.isFinite(fields.timeout) &&
        fields.timeout >= 0
        ? undefined
        : 'timeout not a finite number of ms';
    default:
      return undefined;
  }
}

export function checkControl(value: unknown, sender: string): Checked<ControlMessage> {
  if (!isRecord(value)) return { problem: 'not an object' };
  if (!CONTROL_KINDS.has(value.kind)) return { problem: 'unknown kind' };
  const presence =
    value.kind === Control.Hello || value.kind === Control.Heartbeat || value.kind === Control.Bye;
  const problem = senderProblem(value, sender) ?? (presence ? undefined : requestProblem(value));
  return problem === undefined ? { message: value as unknown as ControlMessage } : { problem };
}

function isDescription(value: unknown): value is EtpSocketDescription {
  return (
    isRecord(value) && isName(value.id) && Array.isArray(value.rooms) && value.rooms.every(isName)
  );
}

function replyValueProblem(fields: Fields): string | undefined {
  switch (fields.kind) {
    case Reply.Sockets:
      return Array.isArray(fields.value) && fields.value.every(isDescription)
        ? undefined
        : 'sockets not a list of { id, rooms }';
    case Reply.Count:
      return isCount(fields.value) ? undefined : 'count not a safe integer';
    case Reply.Refused:
      return isName(fields.value) ? undefined : 'refusal without a reason';
    case Reply.Chunk: {
      const { series, index, count, bytes } = fields;
      if (!isCount(series) || !isCount(index) || !isCount(count) || index >= count) {
        return 'chunk not numbered';
      }
      return bytes instanceof Uint8Array ? undefined : 'chunk without bytes';
    }
    default:
      return undefined;
  }
}

export function checkReply(value: unknown, sender: string): Checked<ReplyMessage> {
  if (!isRecord(value)) return { problem: 'not an object' };
  if (!REPLY_KINDS.has(value.kind)) return { problem: 'unknown kind' };
  const problem =
    senderProblem(value, sender) ??
    (isRequestId(value.request) ? undefined : 'request id not a safe integer') ??
    replyValueProblem(value);
  return problem === undefined ? { message: value as unknown as ReplyMessage } : { problem };
}

export function isChunk(message: ReplyMessage): message is ChunkMessage {
  return message.kind === Reply.Chunk;
}
