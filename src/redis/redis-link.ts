import type { Logger } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import type { HistoryKeys } from '../cluster/channels.js';
import type {
  ClusterTransport,
  HistoryLimits,
  StoredHistory,
  TransportHandlers,
} from '../cluster/transport.js';
import { ClusterWatch } from './cluster-watch.js';
import type { RedisClient } from './redis-client.js';
import { keepBroadcast, readHistory } from './redis-history.js';

export type { RedisClient } from './redis-client.js';

export type RedisLinkHandlers = TransportHandlers;

/** A Redis server or a Redis Cluster, as ioredis speaks to either. */

type Connection = { readonly redis: RedisClient; readonly role: string; down: boolean };

/**
 * The broker's two Redis connections (pub/sub needs a connection of its own) and how they fail.
 * ioredis reconnects by itself and subscribes again to the channels; this says so in the log,
 * and makes a broadcast that cannot be published fail loudly instead of queueing it for a
 * Redis that may never come back (the publisher has no offline queue, and a publish in flight
 * when the connection drops fails rather than being sent again, late and out of order). Every
 * listener it gives ioredis catches what the broker throws: ioredis would rethrow it out of
 * the process.
 *
 * It carries bytes and knows nothing of what they say: channels, subscriptions, publishing.
 * `sharded` uses Redis 7 sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`): on a Redis Cluster each
 * channel's messages then stay on the node owning its slot instead of reaching every node.
 */
export class RedisLink implements ClusterTransport {
  private readonly publisher: Connection;
  private readonly subscriber: Connection;
  private readonly ownsPublisher: boolean;
  private readonly detach: Array<() => void> = [];
  private closing = false;

  constructor(
    source: RedisClient | string,
    private readonly logger: Logger,
    private readonly handlers: RedisLinkHandlers,
    private readonly sharded = false,
  ) {
    const subscriberOptions = { lazyConnect: true, maxRetriesPerRequest: null } as const;
    if (source instanceof Cluster) {
      this.ownsPublisher = false;
      this.publisher = connection(source, 'publisher');
      this.subscriber = connection(
        source.duplicate(undefined, {
          lazyConnect: true,
          shardedSubscribers: sharded,
          redisOptions: { ...source.options.redisOptions, maxRetriesPerRequest: null },
        }),
        'subscriber',
      );
    } else if (typeof source === 'string') {
      this.ownsPublisher = true;
      this.publisher = connection(
        new Redis(source, {
          lazyConnect: true,
          enableOfflineQueue: false,
          autoResendUnfulfilledCommands: false,
        }),
        'publisher',
      );
      this.subscriber = connection(new Redis(source, subscriberOptions), 'subscriber');
    } else {
      this.ownsPublisher = false;
      this.publisher = connection(source, 'publisher');
      this.subscriber = connection(source.duplicate(subscriberOptions), 'subscriber');
    }
    this.watch(this.publisher);
    this.watch(this.subscriber);
    const onMessage = this.guard('a message', (channel: Buffer, message: Buffer) =>
      this.handlers.onMessage(channel.toString(), message),
    );
    this.subscriber.redis.on(sharded ? 'smessageBuffer' : 'messageBuffer', onMessage);
  }

  /** Connects and subscribes; resolves once both connections are ready. */
  async open(channels: readonly string[]): Promise<void> {
    const publisher = this.publisher.redis;
    const publisherReady =
      publisher.status === 'ready'
        ? Promise.resolve()
        : new Promise<void>((resolve) => publisher.once('ready', () => resolve()));
    if (publisher.status === 'wait') publisher.connect().catch(() => undefined);
    const subscriber = this.subscriber.redis;
    if (subscriber instanceof Cluster && subscriber.status === 'wait') await subscriber.connect();
    await Promise.all([this.listen(channels), publisherReady]);
    this.ready();
  }

  listen(channels: readonly string[]): Promise<void> {
    const subscriber = this.subscriber.redis;
    if (!this.sharded) return subscriber.subscribe(...channels).then(() => undefined);
    // Channels of different slots cannot share one SSUBSCRIBE; ioredis pipelines these.
    return Promise.all(channels.map((channel) => subscriber.ssubscribe(channel))).then(
      () => undefined,
    );
  }

  unlisten(channels: readonly string[]): Promise<void> {
    const subscriber = this.subscriber.redis;
    if (!this.sharded) return subscriber.unsubscribe(...channels).then(() => undefined);
    return Promise.all(channels.map((channel) => subscriber.sunsubscribe(channel))).then(
      () => undefined,
    );
  }

  private send(channel: string, bytes: Buffer): Promise<number> {
    const publisher = this.publisher.redis;
    const sent = this.sharded
      ? publisher.spublish(channel, bytes)
      : publisher.publish(channel, bytes);
    return sent as Promise<number>;
  }

  /**
   * `SPUBLISH` counts the listeners of its channel alone; `PUBLISH` counts pattern listeners
   * too, and on a Cluster those of one node only.
   */
  get countsListeners(): boolean {
    return this.sharded;
  }

  /** Why a broadcast cannot be published now, or `undefined` when it can. */
  get unavailable(): string | undefined {
    const status = this.publisher.redis.status;
    return status === 'ready' ? undefined : `Redis is not connected (${status})`;
  }

  /** Publishes a broadcast; `failed` runs when Redis may not have taken it. */
  publish(channel: string, bytes: Buffer, failed: (why: string) => void): void {
    const unavailable = this.unavailable;
    if (unavailable !== undefined) {
      failed(unavailable);
      return;
    }
    this.send(channel, bytes).catch((error: Error) => failed(error.message));
  }

  /** Keeps a room's broadcast and publishes it, in one script (redis-history.ts). */
  publishKept(
    keys: HistoryKeys,
    bytes: Buffer,
    limits: HistoryLimits,
    failed: (why: string) => void,
  ): void {
    const unavailable = this.unavailable;
    if (unavailable !== undefined) {
      failed(unavailable);
      return;
    }
    keepBroadcast(this.publisher.redis, keys, bytes, limits, this.sharded).catch((error: Error) =>
      failed(error.message),
    );
  }

  /** A room's history as Redis holds it; rejects when Redis cannot be read now. */
  readHistory(
    keys: HistoryKeys,
    since: { readonly epoch: string; readonly offset: number } | undefined,
    limits: HistoryLimits,
  ): Promise<StoredHistory> {
    const unavailable = this.unavailable;
    if (unavailable !== undefined) return Promise.reject(new Error(unavailable));
    return readHistory(this.publisher.redis, keys, since, limits);
  }

  /** Publishes a request: the error when Redis cannot take it now, else how many got it. */
  publishOrFail(channel: string, bytes: Buffer): Error | Promise<number> {
    const status = this.publisher.redis.status;
    if (status !== 'ready') {
      return new Error(
        `EtpRedisBroker: Redis is not connected (${status}), the other instances cannot be reached`,
      );
    }
    return this.send(channel, bytes);
  }

  /** Both connections are up: broadcasts go out and the other instances' messages come in. */
  get connected(): boolean {
    return this.publisher.redis.status === 'ready' && this.subscriber.redis.status === 'ready';
  }

  /** Heartbeats and replies: one lost in an outage is made up by the next, or by a timeout. */
  publishQuietly(channel: string, bytes: Buffer): void {
    if (this.publisher.redis.status !== 'ready') return;
    this.send(channel, bytes).catch(() => undefined);
  }

  /** Says goodbye, then closes the connections it opened; a given client is left open. */
  async close(goodbye: Buffer, channel: string): Promise<void> {
    this.closing = true;
    if (this.publisher.redis.status === 'ready') {
      await this.send(channel, goodbye).catch(() => undefined);
    }
    for (const undo of this.detach.splice(0)) undo();
    await Promise.all([
      quit(this.subscriber.redis),
      this.ownsPublisher ? quit(this.publisher.redis) : undefined,
    ]);
  }

  private watch(link: Connection): void {
    const { redis, role } = link;
    if (redis instanceof Cluster) return this.watchCluster(redis, role);
    const onError = this.guard('a connection error', (error: Error): void => {
      if (link.down || this.closing) return;
      link.down = true;
      this.logger.error(`Redis ${role} connection failed: ${error.message}; reconnecting`);
    });
    const onClose = this.guard('a lost connection', (): void => {
      if (link.down || this.closing) return;
      link.down = true;
      this.logger.warn(`Redis ${role} connection lost; reconnecting`);
    });
    const onReady = this.guard('the connection coming back', (): void => {
      if (link.down) {
        link.down = false;
        this.logger.log(`Redis ${role} connection back`);
      }
      if (this.publisher.redis.status === 'ready' && this.subscriber.redis.status === 'ready') {
        this.handlers.onReady();
      }
    });
    redis.on('error', onError);
    redis.on('close', onClose);
    redis.on('ready', onReady);
    this.detach.push(() => {
      redis.off('error', onError);
      redis.off('close', onClose);
      redis.off('ready', onReady);
    });
  }

  /** A Cluster stays `ready` while one of its nodes is down: each node is watched instead. */
  private watchCluster(cluster: Cluster, role: string): void {
    const watch = new ClusterWatch(cluster, role, this.logger, () => this.ready());
    const onNodeError = this.guard('a node error', (error: Error, key?: string): void => {
      if (!this.closing) watch.failed(error, key);
    });
    const onError = this.guard('a cluster error', (error: Error): void => {
      if (!this.closing) watch.failed(error);
    });
    cluster.on('node error', onNodeError);
    cluster.on('nodeError', onNodeError);
    cluster.on('error', onError);
    this.detach.push(() => {
      watch.stop();
      cluster.off('node error', onNodeError);
      cluster.off('nodeError', onNodeError);
      cluster.off('error', onError);
    });
  }

  private ready(): void {
    this.guard('the connection coming up', () => this.handlers.onReady())();
  }

  /** The listener, made so that nothing it throws reaches ioredis. */
  private guard<A extends unknown[]>(where: string, listener: (...args: A) => void) {
    return (...args: A): void => {
      try {
        listener(...args);
      } catch (error) {
        try {
          this.handlers.onError(where, error);
        } catch {
          // The report failed too: nothing is left to tell, and ioredis must not see it.
        }
      }
    };
  }
}

function connection(redis: RedisClient, role: string): Connection {
  return { redis, role, down: false };
}

async function quit(redis: RedisClient): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // Fall through: drop the connection.
    }
  }
  redis.disconnect();
}
