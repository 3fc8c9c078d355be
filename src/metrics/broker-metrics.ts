import type { Attributes } from '@opentelemetry/api';
import { resolveInstruments, type EtpInstruments } from './instruments.js';
import { EtpMetricAttributes as Keys } from './names.js';
import type { Tally, Tallies } from './tallies.js';

/**
 * What a broker records: `etp.broker.messages.published`, `etp.broker.messages.received`,
 * `etp.broker.messages.dropped` (by `error.type`) and `etp.broker.broadcasts.lost`, each with
 * `messaging.system` set to the broker's name.
 */
export interface BrokerMetrics {
  /** Messages handed to the broker for the other instances. */
  published(count?: number): void;
  /** Messages from other instances that the broker delivered here. */
  received(count?: number): void;
  /** A message from another instance dropped unused; `reason` is one of a small fixed set. */
  dropped(reason: string): void;
  /** A broadcast that did not reach every other instance. */
  lost(count?: number): void;
}

const NO_BROKER_METRICS: BrokerMetrics = {
  published() {},
  received() {},
  dropped() {},
  lost() {},
};

/**
 * Made once by a broker when it is created, after the application registered its MeterProvider;
 * `system` is the broker's name (`'redis'`).
 */
export function createBrokerMetrics(system: string): BrokerMetrics {
  const instruments = resolveInstruments();
  return instruments === undefined
    ? NO_BROKER_METRICS
    : new RecordingBrokerMetrics(instruments, system);
}

class RecordingBrokerMetrics implements BrokerMetrics {
  private readonly attributes: Attributes;
  private readonly publishedCount: Tally;
  private readonly receivedCount: Tally;
  private readonly lostCount: Tally;
  private readonly droppedTallies: Tallies;
  private readonly droppedCounts = new Map<string, Tally>();

  constructor(instruments: EtpInstruments, system: string) {
    this.attributes = { [Keys.MessagingSystem]: system };
    this.publishedCount = instruments.brokerPublished.of(this.attributes);
    this.receivedCount = instruments.brokerReceived.of(this.attributes);
    this.lostCount = instruments.brokerLost.of(this.attributes);
    this.droppedTallies = instruments.brokerDropped;
  }

  published(count = 1): void {
    this.publishedCount.value += count;
  }

  received(count = 1): void {
    this.receivedCount.value += count;
  }

  dropped(reason: string): void {
    let tally = this.droppedCounts.get(reason);
    if (tally === undefined) {
      tally = this.droppedTallies.of({ ...this.attributes, [Keys.ErrorType]: reason });
      this.droppedCounts.set(reason, tally);
    }
    tally.value++;
  }

  lost(count = 1): void {
    this.lostCount.value += count;
  }
}
