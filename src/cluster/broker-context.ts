import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { EtpLocalRooms } from '../rooms/local-rooms.js';
import type { BrokerReports } from './broker-reports.js';
import type { Channels } from './channels.js';
import type { Envelopes } from './envelope.js';
import type { ClusterTransport } from './transport.js';

/** What the parts of a cluster broker share: who it is, how it publishes, where it reports. */
export interface BrokerContext {
  /** This instance's id. */
  readonly from: string;
  readonly channels: Channels;
  readonly envelopes: Envelopes;
  /** Whether the instances sign their messages (a `signingKey`): only then are numbers trusted. */
  readonly signed: boolean;
  readonly transport: ClusterTransport;
  readonly reports: BrokerReports;
  /** Made at init, after the application registered its MeterProvider: read at each use. */
  readonly metrics: () => BrokerMetrics;
  /** Attached after the broker was made: read at each use. */
  readonly local: () => EtpLocalRooms;
}
