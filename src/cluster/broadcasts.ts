import { encodeFrame } from '../protocol/frame.js';
import type { EtpBroadcastTarget } from '../rooms/etp-broker.js';
import type { BrokerContext } from './broker-context.js';
import { publishedRooms } from '../rooms/room-copies.js';
import type { BroadcastMessage } from './messages.js';
import { Numbering } from './sequences.js';

/**
 * This instance's broadcasts on their way to the others: one copy on each room's channel (one
 * on the channel of everyone for a broadcast to everyone), each numbered and sealed. A copy
 * that cannot reach the transport while other instances are known is counted lost here; one
 * the transport may or may not have taken (a publish that failed in flight) is only reported:
 * the receivers count it, by the gap in the numbers, if they missed it.
 */
export class BroadcastPublisher {
  private readonly numbering = new Numbering();

  constructor(
    private readonly context: BrokerContext,
    /** Whether another instance is known: with none, a broadcast that cannot go is no loss. */
    private readonly othersKnown: () => boolean,
  ) {}

  publish(target: EtpBroadcastTarget, event: string, data: unknown): void {
    // An event the frame codec refuses is refused here, before the others get it.
    encodeFrame(event, 0);
    const { rooms, except } = target;
    const message = { from: this.context.from, event, data, rooms, except };
    const published = publishedRooms(target);
    if (published === undefined) {
      this.copy(this.context.channels.broadcast, { ...message, room: undefined });
      return;
    }
    for (const room of published) this.copy(this.context.channels.room(room), { ...message, room });
  }

  private copy(channel: string, message: Omit<BroadcastMessage, 'seq' | 'n'>): void {
    const { event } = message;
    this.context.metrics().published();
    const unavailable = this.context.transport.unavailable;
    if (unavailable !== undefined) {
      if (this.othersKnown()) this.context.reports.lost(event, unavailable);
      return;
    }
    const numbers = this.numbering.peek(channel);
    let bytes: Buffer;
    try {
      bytes = this.context.envelopes.seal({ ...message, ...numbers });
    } catch (error) {
      return this.context.reports.lost(
        event,
        `its data cannot be serialised: ${(error as Error).message}`,
      );
    }
    this.numbering.commit(channel, numbers);
    this.context.transport.publish(channel, bytes, (why) =>
      this.context.reports.publishFailed(event, why),
    );
  }
}
