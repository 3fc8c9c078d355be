import { PAUSED_FOR_BUDGET, type ReadPause } from './read-pause.js';

/** The burst a peer may send at once: this share of a second's budget. */
const BURST_SHARE = 20;

/**
 * One connection's budget of messages per second: a token bucket refilled continuously by the
 * time elapsed, holding a small burst. The caller spends a token per message (`--tokens`, the
 * only cost on the way of a message); the clock is read only when the tokens run out. A message
 * is never refused: once the budget is overdrawn the server stops reading from the peer until
 * the debt is repaid, and TCP slows the peer down. Messages already read when reading stops (the
 * rest of a chunk of at most 64 KiB) are handled and deepen the debt, so the rate holds on
 * average whatever the peer sends. As the clock is read only when the tokens run out, a peer idle
 * for a while may send up to twice the burst before it is first checked.
 */
export class EventBudget {
  /** Messages the peer may send before the clock is checked; below zero, its debt. */
  tokens: number;
  private readonly burst: number;
  private refilledAt = performance.now();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly perSecond: number,
    private readonly reading: ReadPause,
  ) {
    this.burst = Math.max(1, perSecond / BURST_SHARE);
    this.tokens = this.burst;
  }

  /** Called once `tokens` went below zero: refill by the time elapsed, or stop reading. */
  overdrawn(): void {
    if (this.timer !== undefined) return; // already waiting: the debt only grows
    this.refill();
    if (this.tokens >= 0) return;
    this.reading.pauseFor(PAUSED_FOR_BUDGET);
    this.waitForRefill();
  }

  /** The connection has ended. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** @internal The time to repay the debt has passed. */
  refillDue(): void {
    this.timer = undefined;
    this.refill();
    if (this.tokens < 0) this.waitForRefill();
    else this.reading.resumeFrom(PAUSED_FOR_BUDGET);
  }

  private refill(): void {
    const now = performance.now();
    const earned = ((now - this.refilledAt) * this.perSecond) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + earned);
    this.refilledAt = now;
  }

  private waitForRefill(): void {
    const delay = Math.ceil((-this.tokens * 1000) / this.perSecond);
    this.timer = setTimeout(refillDue, Math.max(1, delay), this);
    // The connection keeps the process alive, not the wait for its budget.
    this.timer.unref();
  }
}

function refillDue(budget: EventBudget): void {
  budget.refillDue();
}
