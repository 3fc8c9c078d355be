import { MAX_CHANNELS, MAX_PEERS } from './limits.js';

interface Heard {
  readonly seq: number;
  readonly n: number | undefined;
}

/**
 * What one channel heard last from each other instance. Every broadcast carries two numbers:
 * `seq`, which grows with each broadcast its sender hands to the transport, whatever the channel,
 * and `n`, its number on that channel alone (1, 2, 3…). The transport keeps one publisher's
 * messages on one channel in order, so an `n` skipped is a broadcast this instance missed (an
 * outage of its own subscription, or of the transport), and a `seq` seen again is a copy,
 * replayed by someone who can publish.
 *
 * Only signed numbers are trusted to refuse copies: without a key, anyone could publish a
 * number far ahead in an instance's name and silence it, so a number behind merely starts the
 * count again. A message without `n` is counted by `seq`.
 */
export class Sequences {
  private readonly last = new Map<string, Heard>();

  constructor(
    private readonly signed: boolean,
    private readonly max = MAX_PEERS,
  ) {}

  /**
   * Files broadcast `seq` (`n` on this channel) of `sender`: how many of its broadcasts were
   * missed just before it (0 for the first one heard), or `-1` for one already heard or older
   * when signed.
   */
  take(sender: string, seq: number, n?: number): number {
    let last = this.last.get(sender);
    if (last !== undefined && seq <= last.seq) {
      if (this.signed) return -1;
      last = undefined;
    }
    if (last === undefined && this.last.size >= this.max) {
      // The longest silent sender makes room: Map keeps the order of insertion.
      this.last.delete(this.last.keys().next().value!);
    }
    this.last.delete(sender);
    this.last.set(sender, { seq, n });
    if (last === undefined) return 0;
    if (n === undefined) return seq - last.seq - 1;
    // A sender that forgot its count for this channel starts it again at 1.
    return last.n === undefined || n <= last.n ? 0 : n - last.n - 1;
  }
}

/**
 * The {@link Sequences} of every channel this instance listens on. A channel it stops listening
 * on is forgotten, so that coming back to it later is no gap; past `max` channels the longest
 * silent one is forgotten (its next broadcast counts as the first heard).
 */
export class ChannelSequences {
  private readonly channels = new Map<string, Sequences>();

  constructor(
    private readonly signed: boolean,
    private readonly max = MAX_CHANNELS,
  ) {}

  take(channel: string, sender: string, seq: number, n?: number): number {
    let sequences = this.channels.get(channel);
    if (sequences === undefined) {
      if (this.channels.size >= this.max) {
        this.channels.delete(this.channels.keys().next().value!);
      }
      sequences = new Sequences(this.signed);
    } else {
      this.channels.delete(channel);
    }
    this.channels.set(channel, sequences);
    return sequences.take(sender, seq, n);
  }

  /** This instance no longer listens on `channel`. */
  forgetChannel(channel: string): void {
    this.channels.delete(channel);
  }
}

/**
 * The numbers this instance gives its broadcasts: `seq` across every channel, `n` per channel.
 * Past `max` channels the one unused longest forgets its count, which starts again at 1 (its
 * receivers then count no gap across that restart).
 */
export class Numbering {
  private seq = 0;
  private readonly counts = new Map<string, number>();

  constructor(private readonly max = MAX_CHANNELS) {}

  /** The numbers of the next broadcast on `channel`; taken only by `commit`. */
  peek(channel: string): { seq: number; n: number } {
    return { seq: this.seq + 1, n: (this.counts.get(channel) ?? 0) + 1 };
  }

  /** That broadcast was handed to the transport. */
  commit(channel: string, numbers: { seq: number; n: number }): void {
    this.seq = numbers.seq;
    if (!this.counts.delete(channel) && this.counts.size >= this.max) {
      this.counts.delete(this.counts.keys().next().value!);
    }
    this.counts.set(channel, numbers.n);
  }
}
