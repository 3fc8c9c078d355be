import type { EtpBroadcastTarget } from '../rooms/etp-broker.js';
import type { BrokerContext } from './broker-context.js';
import { copyTarget } from '../rooms/room-copies.js';
import { DropReason } from './envelope.js';
import type { KeptBroadcasts } from './kept-broadcasts.js';
import type { BroadcastMessage } from './messages.js';
import { ChannelSequences } from './sequences.js';

/**
 * The broadcasts heard on the channels, checked, written to this instance's members: a copy must
 * be of the room of its channel, and its numbers say whether one was missed before it (counted
 * lost) or it was heard already (dropped). Kept ones go through kept-broadcasts.ts.
 */
export class BroadcastDelivery {
  private readonly sequences: ChannelSequences;

  constructor(
    private readonly context: BrokerContext,
    private readonly kept: KeptBroadcasts,
  ) {
    this.sequences = new ChannelSequences(context.signed);
  }

  deliver(message: BroadcastMessage, channel: string): void {
    const room = this.context.channels.roomOf(channel);
    let target: EtpBroadcastTarget | undefined = message;
    if (room !== undefined || message.room !== undefined) {
      // A copy is for the room of its channel: one moved to another channel is not used.
      target = message.room === room ? copyTarget(message, room!) : undefined;
      if (target === undefined) {
        return this.context.reports.dropped(
          DropReason.Shape,
          channel,
          'a copy for another channel',
        );
      }
    }
    const missed = this.sequences.take(channel, message.from, message.seq, message.n);
    if (missed < 0) return this.context.reports.dropped(DropReason.Replayed, channel);
    if (missed > 0) this.context.reports.missed(message.from, missed);
    this.context.metrics().received();
    this.context.local().emit(target, message.event, message.data);
  }

  /** A kept broadcast heard on the channel of `room`. */
  deliverKept(room: string, channel: string, bytes: Buffer): void {
    this.kept.receive(room, channel, bytes);
  }

  /** This instance no longer listens on `channel`: what was heard on it is forgotten. */
  forgetChannel(channel: string): void {
    this.sequences.forgetChannel(channel);
    this.kept.forgetChannel(channel);
  }
}
