import type { Attributes } from '@opentelemetry/api';
import { resolveInstruments, type EtpInstruments } from './instruments.js';
import { EtpMetricAttributes as Keys } from './names.js';

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
  private readonly attributes: Attributes;

  constructor(
    private readonly instruments: EtpInstruments,
    system: string,
  ) {
    this.attributes = { [Keys.MessagingSystem]: system };
  }

  published(count = 1): void {
    this.instruments.brokerPublished.add(count, this.attributes);
  }

  received(count = 1): void {
    this.instruments.brokerReceived.add(count, this.attributes);
  }
}
