import { ReplyIntake } from './chunks.js';
import { readBody } from './envelope.js';
import { MAX_REPLY_BYTES } from './limits.js';
import type { ReplyMessage } from './messages.js';
import type { PendingRequest } from './requests.js';
import { checkReply, isChunk } from './shape.js';

/**
 * This instance's requests to the others that still wait for replies, by request id, with what
 * each received so far: at most {@link MAX_REPLY_BYTES} in all, and the chunks of long replies
 * until each is whole. What a request received goes with it when it ends.
 */
export class PendingRequests {
  private readonly requests = new Map<number, PendingRequest>();
  private readonly intakes = new Map<number, ReplyIntake>();
  private nextId = 0;

  /** A fresh request id. */
  next(): number {
    this.nextId = (this.nextId + 1) % Number.MAX_SAFE_INTEGER;
    return this.nextId;
  }

  track(id: number, request: PendingRequest): void {
    this.requests.set(id, request);
  }

  get(id: number): PendingRequest | undefined {
    return this.requests.get(id);
  }

  forget(id: number): void {
    this.requests.delete(id);
    this.intakes.delete(id);
  }

  /** An instance died or left: no request waits for it any more. */
  peerGone(instance: string): void {
    for (const request of this.requests.values()) request.peerGone(instance);
  }

  abortAll(error: Error): void {
    for (const request of [...this.requests.values()]) request.abort(error);
    this.requests.clear();
    this.intakes.clear();
  }

  /**
   * Hands a checked reply of `length` bytes to its request. Returns a problem when the reply
   * was dropped for it (chunks that make no reply); a reply to no pending request is ignored.
   */
  reply(message: ReplyMessage, length: number): string | undefined {
    const request = this.requests.get(message.request);
    if (request === undefined) return undefined;
    let intake = this.intakes.get(message.request);
    if (intake === undefined) this.intakes.set(message.request, (intake = new ReplyIntake()));
    if (!intake.take(length)) {
      this.forget(message.request);
      request.abort(
        new Error(
          `EtpRedisBroker: the other instances' replies passed ${MAX_REPLY_BYTES} bytes; ` +
            'ask for fewer sockets (a narrower to()) or fewer answers at once',
        ),
      );
      return undefined;
    }
    if (!isChunk(message)) {
      request.reply(message);
      return undefined;
    }
    const whole = intake.add(message);
    if (whole === undefined) return undefined;
    const read = whole === false ? undefined : readBody(whole);
    const checked = read === undefined ? undefined : checkReply(read.value, message.from);
    if (checked === undefined || 'problem' in checked || isChunk(checked.message)) {
      return 'chunks that make no reply';
    }
    request.reply(checked.message);
    return undefined;
  }
}
