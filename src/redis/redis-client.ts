import type { Cluster, Redis } from 'ioredis';

/** A connection to one Redis or to a Redis Cluster, as ioredis gives either. */
export type RedisClient = Redis | Cluster;
