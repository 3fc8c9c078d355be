import { MAX_PEERS } from './limits.js';

/**
 * The last broadcast number heard from each other instance. Each instance numbers the
 * broadcasts it hands to Redis 1, 2, 3…; Redis keeps one publisher's messages in order, so a
 * number skipped is a broadcast this instance missed (an outage of its own subscription, or of
 * Redis), and a number seen again is a copy, replayed by someone who can publish.
 *
 * Only signed numbers are trusted to refuse copies: without a key, anyone could publish a
 * number far ahead in an instance's name and silence it, so a number behind merely starts the
 * count again.
 */
export class Sequences {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly signed: boolean,
    private readonly max = MAX_PEERS,
  ) {}

  /**
   * Files broadcast `seq` of `sender`: how many of its broadcasts were missed just before it
   * (0 for the first one heard), or `-1` for one already heard or older when signed.
   */
  take(sender: string, seq: number): number {
    let last = this.last.get(sender);
    if (last !== undefined && seq <= last) {
      if (this.signed) return -1;
      last = undefined;
    }
    if (last === undefined && this.last.size >= this.max) {
      // The longest silent sender makes room: Map keeps the order of insertion.
      this.last.delete(this.last.keys().next().value!);
    }
    this.last.delete(sender);
    this.last.set(sender, seq);
    return last === undefined ? 0 : seq - last - 1;
  }
}
