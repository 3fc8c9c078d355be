import { createHmac, timingSafeEqual } from 'node:crypto';

/** Length of an HMAC-SHA256, in bytes. */
export const SIGNATURE_LENGTH = 32;

/**
 * HMAC-SHA256 of the messages between instances with a key they share. Whoever can publish on
 * the channels but lacks the key cannot make a message the others accept.
 */
export class Signer {
  private readonly key: Buffer;

  constructor(key: string | Buffer) {
    this.key = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
    if (this.key.length === 0) throw new TypeError('EtpRedisBroker: signingKey is empty');
  }

  /** The signature of the bytes given, in order, as if they were one. */
  sign(...parts: readonly Uint8Array[]): Buffer {
    const hmac = createHmac('sha256', this.key);
    for (const part of parts) hmac.update(part);
    return hmac.digest();
  }

  /** Whether `signature` is theirs, compared in constant time. */
  verify(signature: Uint8Array, ...parts: readonly Uint8Array[]): boolean {
    if (signature.length !== SIGNATURE_LENGTH) return false;
    return timingSafeEqual(signature, this.sign(...parts));
  }
}
