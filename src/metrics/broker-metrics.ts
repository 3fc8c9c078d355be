import type { Attributes } from '@opentelemetry/api';
import { resolveInstruments, type EtpInstruments } from './instruments.js';
import { EtpMetricAttributes as Keys } from './names.js';
import type { Tally } from './tallies.js';

/**
 * What a broker records: `etp.broker.messages.published` and `etp.broker.messages.received`,
 * each with `messaging.system` set to the broker's name.
 */
export interface BrokerMetrics {
  /** Messages handed to the broker for the other instances. */
  published(count?: number): void;
  /** Messages from other instances that the broker delivered here. */
  received(count?: number): void;
}

const NO_BROKER_METRICS: BrokerMetrics = {
  published() {},
  received() {},
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
  private readonly publishedCount: Tally;
  private readonly receivedCount: Tally;

  constructor(instruments: EtpInstruments, system: string) {
    const attributes: Attributes = { [Keys.MessagingSystem]: system };
    this.publishedCount = instruments.brokerPublished.of(attributes);
    this.receivedCount = instruments.brokerReceived.of(attributes);
  }

  published(count = 1): void {
    this.publishedCount.value += count;
  }

  received(count = 1): void {
    this.receivedCount.value += count;
  }
}
