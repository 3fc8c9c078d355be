import type { Logger } from '@nestjs/common';
import { encodeFrame } from '../protocol/frame.js';
import { escapeLogText } from '../protocol/log-limit.js';
import type {
  EtpBroadcastTarget,
  EtpHistorySlice,
  EtpKeptBroadcast,
  EtpPosition,
  EtpRecoveryOptions,
} from '../rooms/etp-broker.js';
import type { BrokerContext } from './broker-context.js';
import { copyTarget } from '../rooms/room-copies.js';
import { DropReason } from './envelope.js';
import { EPOCH, openKept, splitKept } from './kept.js';
import { LimitedLog } from './limited-log.js';
import { ChannelSequences } from './sequences.js';
import type { HistoryLimits, StoredEntry } from './transport.js';

/** How long a quiet room keeps its epoch in the store at least, ms. */
const EPOCH_LIFETIME = 24 * 60 * 60 * 1000;

/**
 * The kept broadcasts of one instance: each is published once per room through the store,
 * which numbers it in that room's history and publishes it with its position; every instance
 * listening on the room, this one included, writes it to its members from what it hears, so
 * that all see one room's broadcasts in the same order. A room's history is read back through
 * the same checks as what is heard live: whatever the store returns may have been written by
 * anyone who can write to it, and a slice holding anything not of our making is no slice.
 */
export class KeptBroadcasts {
  private limits: HistoryLimits | undefined;
  /** Numbers of this instance's kept broadcasts, for the receivers to refuse copies replayed. */
  private seq = 0;
  private readonly heard: ChannelSequences;
  private readonly unread: LimitedLog;

  constructor(
    private readonly context: BrokerContext,
    logger: Logger,
  ) {
    this.heard = new ChannelSequences(context.signed);
    this.unread = new LimitedLog(
      logger,
      'warn',
      (count, seconds) => `${count} more room histories not read in the last ${seconds}s`,
    );
  }

  configure(options: EtpRecoveryOptions, name: string): void {
    const { transport } = this.context;
    if (transport.publishKept === undefined || transport.readHistory === undefined) {
      throw new Error(`${name} cannot keep history: its transport has none`);
    }
    const { maxDisconnection, maxMessages } = options;
    this.limits = {
      maxDisconnection,
      maxMessages,
      epochLifetime: Math.max(maxDisconnection, EPOCH_LIFETIME),
    };
  }

  /** See `EtpBroker.publishKept`; throws only for an event the frame codec refuses. */
  publish(room: string, target: EtpBroadcastTarget, event: string, data: unknown): void {
    encodeFrame(event, 0);
    if (copyTarget(target, room) === undefined) return;
    const { limits, context } = this;
    const { transport, reports } = context;
    context.metrics().published();
    if (limits === undefined || transport.publishKept === undefined) {
      return reports.lost(event, 'recovery is not configured on the broker');
    }
    const unavailable = transport.unavailable;
    if (unavailable !== undefined) return reports.lost(event, unavailable);
    const { rooms, except } = target;
    const message = { from: context.from, seq: this.seq + 1, room, event, data, rooms, except };
    let bytes: Buffer;
    try {
      bytes = context.envelopes.seal(message);
    } catch (error) {
      return reports.lost(event, `its data cannot be serialised: ${(error as Error).message}`);
    }
    this.seq++;
    const keys = context.channels.history(room);
    transport.publishKept(keys, bytes, limits, (why) => reports.lost(event, why));
  }

  /** A kept broadcast heard on the channel of `room`: written to this instance's members. */
  receive(room: string, channel: string, bytes: Buffer): void {
    const { reports, envelopes } = this.context;
    const split = splitKept(bytes);
    if (split === undefined) {
      return reports.dropped(DropReason.Unreadable, channel, 'a kept broadcast without position');
    }
    const opened = openKept(envelopes, room, split.offset, split.sealed);
    if (!opened.ok) return reports.dropped(opened.reason, channel, opened.detail);
    const { kept, message } = opened;
    if (this.heard.take(channel, message.from, message.seq) < 0) {
      return reports.dropped(DropReason.Replayed, channel);
    }
    this.context.metrics().received();
    this.context.local().deliverKept(kept, { epoch: split.epoch, offset: split.offset });
  }

  /** This instance no longer listens on `channel`. */
  forgetChannel(channel: string): void {
    this.heard.forgetChannel(channel);
  }

  /** See `EtpBroker.history`; never rejects. */
  async history(
    room: string,
    since: EtpPosition | undefined,
  ): Promise<EtpHistorySlice | undefined> {
    const { limits, context } = this;
    const { transport } = context;
    if (limits === undefined || transport.readHistory === undefined) return undefined;
    const keys = context.channels.history(room);
    let stored;
    try {
      stored = await transport.readHistory(keys, since, limits);
    } catch (error) {
      this.unread.report(
        () =>
          `The history of room "${escapeLogText(room, 100)}" could not be read: ` +
          escapeLogText((error as Error)?.message ?? String(error)),
      );
      return undefined;
    }
    const { epoch, offset } = stored;
    if (!EPOCH.test(epoch) || !Number.isSafeInteger(offset) || offset < 0) {
      context.reports.dropped(DropReason.Shape, keys.meta, 'not a position');
      return undefined;
    }
    const position = { epoch, offset };
    if (since === undefined) return { position, kept: [] };
    if (since.epoch !== epoch || since.offset > offset) return undefined;
    const missed = offset - since.offset;
    if (missed === 0) return { position, kept: [] };
    if (missed > limits.maxMessages || stored.entries.length !== missed) return undefined;
    // The one right after `since` is there and young enough: none after it was trimmed.
    const first = stored.entries[0];
    if (first.time !== undefined && first.time < stored.now - limits.maxDisconnection) {
      return undefined;
    }
    const kept: EtpKeptBroadcast[] = [];
    for (const [index, entry] of stored.entries.entries()) {
      const one = this.read(room, keys.entries, since.offset + 1 + index, entry);
      if (one === undefined) return undefined;
      kept.push(one);
    }
    return { position, kept };
  }

  /** One entry read back, checked as if heard live; `undefined` (counted) when it is not ours. */
  private read(
    room: string,
    key: string,
    offset: number,
    entry: StoredEntry,
  ): EtpKeptBroadcast | undefined {
    if (entry.offset !== offset || entry.time === undefined || entry.bytes === undefined) {
      this.context.reports.dropped(DropReason.Shape, key, `entry ${offset} not as kept`);
      return undefined;
    }
    const opened = openKept(this.context.envelopes, room, offset, entry.bytes);
    if (opened.ok) return opened.kept;
    this.context.reports.dropped(opened.reason, key, opened.detail);
    return undefined;
  }
}
