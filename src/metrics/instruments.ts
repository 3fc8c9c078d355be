import { createRequire } from 'node:module';
import {
  createNoopMeter,
  metrics,
  type Histogram,
  type Meter,
  type MeterProvider,
} from '@opentelemetry/api';
import { EtpMetricNames as Names } from './names.js';
import { Tallies } from './tallies.js';

/** Every instrument of the package, made once per MeterProvider. */
export interface EtpInstruments {
  readonly connections: Tallies;
  readonly connectionsOpened: Tallies;
  readonly connectionsClosed: Tallies;
  readonly eventsReceived: Tallies;
  readonly handlerDuration: Histogram;
  readonly acksAnswered: Tallies;
  readonly acksTimedOut: Tallies;
  readonly broadcasts: Tallies;
  readonly broadcastSockets: Tallies;
  readonly malformedFrames: Tallies;
  readonly slowConsumersDropped: Tallies;
  readonly brokerPublished: Tallies;
  readonly brokerReceived: Tallies;
  readonly brokerDropped: Tallies;
  readonly brokerLost: Tallies;
}

const METER_NAME = 'nestjs-etp';
/** The package's version names the meter's scope; code run from another layout goes without. */
const version = readPackageVersion();

function readPackageVersion(): string | undefined {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** Handlers take from well under a millisecond to seconds; the SDK's default buckets suit ms. */
const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

let provider: MeterProvider | undefined;
let instruments: EtpInstruments | undefined;

/**
 * The instruments of the MeterProvider registered now, or `undefined` when the application
 * registered none. The API has no proxy for metrics: a meter taken before the application
 * registers its provider stays a no-op for ever, so this is asked again for each new gateway,
 * never once at import.
 */
export function resolveInstruments(): EtpInstruments | undefined {
  const current = metrics.getMeterProvider();
  if (current === provider) return instruments;
  provider = current;
  const meter = current.getMeter(METER_NAME, version);
  instruments = meter === createNoopMeter() ? undefined : createInstruments(meter);
  return instruments;
}

/** The instruments found by the last {@link resolveInstruments}, for paths outside a gateway. */
export function currentInstruments(): EtpInstruments | undefined {
  return instruments;
}

function createInstruments(meter: Meter): EtpInstruments {
  const counter = (name: string, unit: string, description: string): Tallies =>
    new Tallies(meter.createObservableCounter(name, { unit, description }));
  return {
    connections: new Tallies(
      meter.createObservableUpDownCounter(Names.Connections, {
        unit: '{connection}',
        description: 'ETP connections open now',
      }),
    ),
    connectionsOpened: counter(Names.ConnectionsOpened, '{connection}', 'ETP connections accepted'),
    connectionsClosed: counter(
      Names.ConnectionsClosed,
      '{connection}',
      'ETP connections ended, by disconnect reason',
    ),
    eventsReceived: counter(Names.EventsReceived, '{event}', 'ETP events received'),
    handlerDuration: meter.createHistogram(Names.HandlerDuration, {
      unit: 's',
      description: 'Time an ETP event handler took, until its result or its promise settled',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    acksAnswered: counter(
      Names.AcksAnswered,
      '{ack}',
      'Answers to emitWithAck requests of the server',
    ),
    acksTimedOut: counter(
      Names.AcksTimedOut,
      '{ack}',
      'emitWithAck requests of the server that got no answer in time',
    ),
    broadcasts: counter(Names.Broadcasts, '{broadcast}', 'ETP broadcasts sent'),
    broadcastSockets: counter(
      Names.BroadcastSockets,
      '{socket}',
      'Connections ETP broadcasts were written to',
    ),
    malformedFrames: counter(
      Names.MalformedFrames,
      '{frame}',
      'Messages that were not ETP frames, or whose data the codec refused',
    ),
    slowConsumersDropped: counter(
      Names.SlowConsumersDropped,
      '{connection}',
      'ETP connections closed for reading too slowly',
    ),
    brokerPublished: counter(
      Names.BrokerMessagesPublished,
      '{message}',
      'Messages published to the broker',
    ),
    brokerReceived: counter(
      Names.BrokerMessagesReceived,
      '{message}',
      'Messages received from the broker',
    ),
    brokerDropped: counter(
      Names.BrokerMessagesDropped,
      '{message}',
      'Messages from other instances dropped unused',
    ),
    brokerLost: counter(
      Names.BrokerBroadcastsLost,
      '{broadcast}',
      'Broadcasts that did not reach every other instance',
    ),
  };
}
