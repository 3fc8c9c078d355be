import type { Cluster, Redis } from 'ioredis';

/** How `EtpRedisBroker` reaches Redis and how the instances of one application talk. */
export interface EtpRedisBrokerOptions {
  /** Where Redis is, when no `client` is given. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /**
   * An ioredis client to publish with: a `Redis`, or a `Cluster` for a Redis Cluster (then set
   * `sharded: true`). The broker subscribes on a `duplicate()` of it, and closes the duplicate
   * at shutdown, never this client.
   */
  client?: Redis | Cluster;
  /**
   * Uses Redis 7 sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`). On a Redis Cluster each room's
   * traffic then stays on the node that owns the slot of its channel, instead of being copied
   * to every node; requests to one room ask only the instances holding a member of it. Every
   * instance of the application needs the same setting. Default `false`.
   */
  sharded?: boolean;
  /**
   * Prefix of the channel names (and of the history keys with `recovery`), so that several
   * applications can share one Redis. It may hold no `{` or `}`: a room's name is a Redis Cluster
   * hash tag in its channel and keys. Default `etp`.
   */
  prefix?: string;
  /** How often an instance tells the others it is alive, ms. Default 5 000. */
  heartbeatInterval?: number;
  /** Silence after which an instance is taken for dead, ms. Default 10 000. */
  heartbeatTimeout?: number;
  /** How long `fetchSockets`, `socketsJoin`, … wait for the other instances, ms. Default 5 000. */
  requestTimeout?: number;
  /**
   * A secret every instance of the application shares (a string or bytes, at least 32 random
   * bytes advised). Each message between instances then carries an HMAC-SHA256 of it, and one
   * without a valid HMAC is dropped and counted in `etp.broker.messages.dropped`. Without it,
   * whoever can PUBLISH on this Redis is inside the cluster: restrict the channels with a Redis
   * ACL, or set a key. Every instance needs the same key.
   */
  signingKey?: string | Buffer;
}

/** Where `EtpRedisBroker` looks for Redis when given neither `url` nor `client`. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
