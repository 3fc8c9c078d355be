import { ClusterBroker } from '../cluster/cluster-broker.js';
import { DEFAULT_REDIS_URL, type EtpRedisBrokerOptions } from './redis-broker-options.js';
import { RedisLink } from './redis-link.js';

/**
 * The broker for several instances of one application, over Redis pub/sub (one Redis, or a
 * Redis Cluster with `sharded: true`). A broadcast is written to this instance's members at
 * once and published once on each of its rooms' channels; an instance listens on the channels
 * of the rooms it has members of, and of its own connections, so it hears only broadcasts that
 * concern its members, and encodes each once per payload codec. Requests (`fetchSockets`,
 * `emitWithAck`, `socketsJoin`, …) wait for the instances alive at that moment.
 */
export class EtpRedisBroker extends ClusterBroker {
  constructor(options: EtpRedisBrokerOptions = {}) {
    super(
      'EtpRedisBroker',
      'redis',
      options,
      (handlers, logger) =>
        new RedisLink(
          options.client ?? options.url ?? DEFAULT_REDIS_URL,
          logger,
          handlers,
          options.sharded === true,
        ),
    );
  }
}
