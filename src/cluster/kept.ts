import type { EtpKeptBroadcast } from '../rooms/etp-broker.js';
import { copyTarget } from '../rooms/room-copies.js';
import { DropReason, readBody, senderOf, SENDER_LENGTH, type Envelopes } from './envelope.js';
import type { BroadcastMessage } from './messages.js';
import { checkBroadcast } from './shape.js';
import { KEPT_MARK } from './transport.js';

/**
 * A kept broadcast, as it is heard on a room's channel and read back from a room's history: a
 * broadcast message in its envelope (sealed, maybe signed, by its sender), which the store
 * prefixed with the position it gave it, `!<epoch> <offset>\n` on the channel. The position is
 * the store's and cannot be signed; the message is checked as any other (envelope, signature,
 * body, shape), and must be the copy of the room it came for.
 */

/** An epoch as the instances make it (hex), with room to spare; anything else is not ours. */
export const EPOCH = /^[0-9a-f]{1,64}$/;
/** `!` + 64 + space + 16 digits: a header is never longer. */
const MAX_HEADER = 100;
const HEADER = /^!([0-9a-f]{1,64}) ([1-9]\d{0,15})$/;

export type OpenedKept =
  | { readonly ok: true; readonly kept: EtpKeptBroadcast; readonly message: BroadcastMessage }
  | { readonly ok: false; readonly reason: DropReason; readonly detail?: string };

/** Whether bytes heard on a room's channel are a kept broadcast (an envelope never starts so). */
export function isKept(bytes: Buffer): boolean {
  return bytes.length > 0 && bytes[0] === KEPT_MARK;
}

/** The position and the sealed message of a kept broadcast heard on a channel. */
export function splitKept(
  bytes: Buffer,
): { epoch: string; offset: number; sealed: Buffer } | undefined {
  const end = bytes.subarray(0, MAX_HEADER).indexOf(0x0a);
  if (end < 0) return undefined;
  const match = HEADER.exec(bytes.toString('latin1', 0, end));
  if (match === null) return undefined;
  const offset = Number(match[2]);
  if (!Number.isSafeInteger(offset)) return undefined;
  return { epoch: match[1], offset, sealed: bytes.subarray(end + 1) };
}

/** The kept broadcast of `room` numbered `offset` in a sealed message, once all of it checks. */
export function openKept(
  envelopes: Envelopes,
  room: string,
  offset: number,
  sealed: Buffer,
): OpenedKept {
  if (sealed.length < SENDER_LENGTH) return { ok: false, reason: DropReason.Unreadable };
  const opened = envelopes.open(sealed);
  if (!opened.ok) return { ok: false, reason: opened.reason };
  const read = readBody(opened.body);
  if (read === undefined) return { ok: false, reason: DropReason.Unreadable };
  const checked = checkBroadcast(read.value, senderOf(sealed));
  if ('problem' in checked) return { ok: false, reason: DropReason.Shape, detail: checked.problem };
  const message = checked.message;
  const target = message.room === room ? copyTarget(message, room) : undefined;
  if (target === undefined) {
    return { ok: false, reason: DropReason.Shape, detail: 'a copy for another room' };
  }
  const kept = { room, offset, target, event: message.event, data: message.data };
  return { ok: true, kept, message };
}
