import { deserialize, serialize } from 'node:v8';
import type { ClusterMessage } from './messages.js';
import { SIGNATURE_LENGTH, type Signer } from './signing.js';

/**
 * How a message travels between instances:
 *
 *     sender id (16 bytes, hex) | format (1 byte) | HMAC-SHA256 (32 bytes, when signed) | body
 *
 * The body is the message serialised with `node:v8`. Redis hands a publisher its own messages
 * too: with the sender's id in plain bytes up front, an instance drops those without reading
 * further. The signature covers the id, the format and the body, and is checked before the body
 * is deserialised, so that a message without the key costs a hash, never a parse.
 */

/** An instance id: 8 random bytes as hex. */
export const SENDER_LENGTH = 16;
export const INSTANCE_ID = /^[0-9a-f]{16}$/;
const HEAD_LENGTH = SENDER_LENGTH + 1;
const PLAIN = 0;
const SIGNED = 1;

/** Why a message was dropped: the values of the `error.type` attribute of the dropped count. */
export const DropReason = {
  /** Not an envelope, or a body `node:v8` cannot read. */
  Unreadable: 'unreadable',
  /** No signature, while this instance has a `signingKey`. */
  Unsigned: 'unsigned',
  /** A signature that is not of this instance's `signingKey`. */
  BadSignature: 'bad_signature',
  /** A broadcast heard already: a copy published again. */
  Replayed: 'replayed',
  /** Readable, but not a message of its kind (shape.ts). */
  Shape: 'shape',
  /** A request beyond what this instance carries out for others at once (limits.ts). */
  Overload: 'overload',
  /** Carrying it out failed here (a payload the codec refuses, for one). */
  Failed: 'failed',
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

export type Opened =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly reason: DropReason };

/** Seals and opens envelopes; signs and verifies them when it has a key. */
export class Envelopes {
  constructor(private readonly signer?: Signer) {}

  /** Serialises and seals a message. Throws what `node:v8` throws for a value it cannot carry. */
  seal(message: ClusterMessage): Buffer {
    return this.sealBody(message.from, serialize(message));
  }

  sealBody(from: string, body: Uint8Array): Buffer {
    const signed = this.signer !== undefined;
    const offset = HEAD_LENGTH + (signed ? SIGNATURE_LENGTH : 0);
    const bytes = Buffer.allocUnsafe(offset + body.length);
    bytes.write(from, 0, SENDER_LENGTH, 'latin1');
    bytes[SENDER_LENGTH] = signed ? SIGNED : PLAIN;
    Buffer.from(body.buffer, body.byteOffset, body.length).copy(bytes, offset);
    if (this.signer !== undefined) {
      this.signer.sign(bytes.subarray(0, HEAD_LENGTH), body).copy(bytes, HEAD_LENGTH);
    }
    return bytes;
  }

  /**
   * The body of a message, once its envelope is whole and, with a key, its signature right.
   * Without a key a signature is not checked: the instances that have one check it.
   */
  open(bytes: Buffer): Opened {
    if (bytes.length <= HEAD_LENGTH) return { ok: false, reason: DropReason.Unreadable };
    const format = bytes[SENDER_LENGTH];
    if (format === PLAIN) {
      if (this.signer !== undefined) return { ok: false, reason: DropReason.Unsigned };
      return { ok: true, body: bytes.subarray(HEAD_LENGTH) };
    }
    if (format !== SIGNED || bytes.length <= HEAD_LENGTH + SIGNATURE_LENGTH) {
      return { ok: false, reason: DropReason.Unreadable };
    }
    const body = bytes.subarray(HEAD_LENGTH + SIGNATURE_LENGTH);
    if (this.signer !== undefined) {
      const signature = bytes.subarray(HEAD_LENGTH, HEAD_LENGTH + SIGNATURE_LENGTH);
      if (!this.signer.verify(signature, bytes.subarray(0, HEAD_LENGTH), body)) {
        return { ok: false, reason: DropReason.BadSignature };
      }
    }
    return { ok: true, body };
  }
}

/** The id of the instance that sent a message, as its envelope says. */
export function senderOf(bytes: Buffer): string {
  return bytes.toString('latin1', 0, SENDER_LENGTH);
}

/** The value in a body; `undefined` with the reason when `node:v8` cannot read it. */
export function readBody(body: Buffer): { value: unknown } | undefined {
  try {
    return { value: deserialize(body) as unknown };
  } catch {
    return undefined;
  }
}
