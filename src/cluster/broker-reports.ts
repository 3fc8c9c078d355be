import type { Logger } from '@nestjs/common';
import type { DropReason } from '../cluster/envelope.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { escapeLogText } from '../protocol/log-limit.js';
import { LimitedLog } from './limited-log.js';

/**
 * What the broker says about broadcasts that did not reach the others and messages it dropped:
 * every one counted in the metrics, a few written to the log and the rest summed up, so that an
 * outage or a flood of bad messages costs a handful of lines.
 */
export class BrokerReports {
  private readonly losses: LimitedLog;
  private readonly drops: LimitedLog;

  constructor(
    logger: Logger,
    private readonly metrics: () => BrokerMetrics,
  ) {
    this.losses = new LimitedLog(
      logger,
      'error',
      (count, seconds) =>
        `${count} more broadcasts lost in the last ${seconds}s (etp.broker.broadcasts.lost counts each)`,
    );
    this.drops = new LimitedLog(
      logger,
      'warn',
      (count, seconds) =>
        `${count} more messages from other instances dropped in the last ${seconds}s`,
    );
  }

  /** A broadcast that did not reach the other instances. */
  lost(event: string, why: string): void {
    this.metrics().lost();
    this.publishFailed(event, why);
  }

  /** A broadcast Redis may not have taken: the receivers count it if they missed it. */
  publishFailed(event: string, why: string): void {
    this.losses.report(
      () =>
        `Broadcast "${escapeLogText(event, 100)}" did not reach the other instances: ${escapeLogText(why)}`,
    );
  }

  /** Broadcasts of another instance that never came here. */
  missed(sender: string, count: number): void {
    this.metrics().lost(count);
    this.losses.report(() => `Missed ${count} broadcast(s) of instance ${sender}`);
  }

  /** A message from another instance that was not used. */
  dropped(reason: DropReason, channel: string, detail?: string): void {
    this.metrics().dropped(reason);
    this.drops.report(
      () =>
        `Dropped a message from another instance on ${escapeLogText(channel, 100)}: ${reason}` +
        (detail === undefined ? '' : ` (${escapeLogText(detail)})`),
    );
  }

  /** Writes what is still only counted. */
  flush(): void {
    this.losses.flush();
    this.drops.flush();
  }
}
