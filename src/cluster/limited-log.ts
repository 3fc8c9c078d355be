import type { Logger } from '@nestjs/common';
import { LogBudget } from '../protocol/log-limit.js';

/** Lines of one kind written per window; the rest are counted into one summary line. */
export const BROKER_LOG_LINES = 5;
export const BROKER_LOG_WINDOW_MS = 10_000;

/**
 * One kind of broker report (a lost broadcast, a dropped message) under a budget of lines: at
 * most {@link BROKER_LOG_LINES} every {@link BROKER_LOG_WINDOW_MS}, then one line at the end of
 * the window saying how many more there were. An outage or a flood of bad messages writes a
 * handful of lines, not one per message; the metrics keep the exact count.
 */
export class LimitedLog {
  private readonly budget = new LogBudget(BROKER_LOG_LINES, BROKER_LOG_WINDOW_MS);
  private left = 0;
  private since = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly level: 'error' | 'warn',
    /** The summary of `count` more reports over the last `seconds`. */
    private readonly summary: (count: number, seconds: number) => string,
  ) {}

  /** Writes the line, or counts it when the budget is spent; `line` runs only when written. */
  report(line: () => string): void {
    const now = Date.now();
    if (this.budget.take(now)) {
      this.logger[this.level](line());
      return;
    }
    if (this.left++ === 0) this.since = now;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), BROKER_LOG_WINDOW_MS);
      this.timer.unref();
    }
  }

  /** Writes the summary of what is counted now, if anything. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.left === 0) return;
    const seconds = Math.max(1, Math.round((Date.now() - this.since) / 1000));
    this.logger[this.level](this.summary(this.left, seconds));
    this.left = 0;
  }
}
