import type { Logger } from '@nestjs/common';
import type { ClusterTransport, TransportHandlers } from './transport.js';

/** What every broker between instances is told, whatever carries its bytes. */
export interface ClusterBrokerOptions {
  /**
   * Prefix of the channel names, so that several applications share one bus. It may hold no
   * brace (channels.ts). Default `etp`.
   */
  prefix?: string;
  /** How often an instance tells the others it is alive, ms. Default 5 000. */
  heartbeatInterval?: number;
  /** Silence after which an instance is taken for dead, ms. Default 10 000. */
  heartbeatTimeout?: number;
  /** How long `fetchSockets`, `socketsJoin`, … wait for the other instances, ms. Default 5 000. */
  requestTimeout?: number;
  /** A secret every instance shares: each message between instances is signed with it. */
  signingKey?: string | Buffer;
}

/** Makes the transport of a broker, given what it must tell the broker. */
export type TransportFactory = (handlers: TransportHandlers, logger: Logger) => ClusterTransport;
