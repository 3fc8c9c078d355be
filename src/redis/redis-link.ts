import type { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';

export interface RedisLinkHandlers {
  onMessage(channel: string, message: Buffer): void;
  /** Both connections are up: at start, and again after every outage. */
  onReady(): void;
  /** A handler threw: reported here, never to ioredis, which would rethrow it. */
  onError(where: string, error: unknown): void;
}

type Connection = { readonly redis: Redis; readonly role: string; down: boolean };

/**
 * The broker's two Redis connections (pub/sub needs a connection of its own) and how they fail.
 * ioredis reconnects by itself and subscribes again to the channels; this says so in the log,
 * and makes a broadcast that cannot be published fail loudly instead of queueing it for a
 * Redis that may never come back (the publisher has no offline queue, and a publish in flight
 * when the connection drops fails rather than being sent again, late and out of order). Every
 * listener it gives ioredis catches what the broker throws: ioredis would rethrow it out of
 * the process.
 */
export class RedisLink {
  private readonly publisher: Connection;
  private readonly subscriber: Connection;
  private readonly ownsPublisher: boolean;
  private readonly detach: Array<() => void> = [];
  private closing = false;

  constructor(
    source: Redis | string,
    private readonly logger: Logger,
    private readonly handlers: RedisLinkHandlers,
  ) {
    const subscriberOptions = { lazyConnect: true, maxRetriesPerRequest: null } as const;
    if (typeof source === 'string') {
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
    this.subscriber.redis.on('messageBuffer', onMessage);
  }

  /** Connects and subscribes; resolves once both connections are ready. */
  async open(channels: readonly string[]): Promise<void> {
    const publisher = this.publisher.redis;
    const publisherReady =
      publisher.status === 'ready'
        ? Promise.resolve()
        : new Promise<void>((resolve) => publisher.once('ready', () => resolve()));
    if (publisher.status === 'wait') publisher.connect().catch(() => undefined);
    await Promise.all([this.subscriber.redis.subscribe(...channels), publisherReady]);
    this.ready();
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
    this.publisher.redis.publish(channel, bytes).catch((error: Error) => failed(error.message));
  }

  /** Publishes a request; returns the error when Redis cannot take it now. */
  publishOrFail(channel: string, bytes: Buffer): Error | undefined {
    const status = this.publisher.redis.status;
    if (status !== 'ready') {
      return new Error(
        `EtpRedisBroker: Redis is not connected (${status}), the other instances cannot be reached`,
      );
    }
    this.publisher.redis.publish(channel, bytes).catch(() => undefined);
    return undefined;
  }

  /** Both connections are up: broadcasts go out and the other instances' messages come in. */
  get connected(): boolean {
    return this.publisher.redis.status === 'ready' && this.subscriber.redis.status === 'ready';
  }

  /** Heartbeats and replies: one lost in an outage is made up by the next, or by a timeout. */
  publishQuietly(channel: string, bytes: Buffer): void {
    if (this.publisher.redis.status !== 'ready') return;
    this.publisher.redis.publish(channel, bytes).catch(() => undefined);
  }

  /** Says goodbye, then closes the connections it opened; a given client is left open. */
  async close(goodbye: Buffer, channel: string): Promise<void> {
    this.closing = true;
    if (this.publisher.redis.status === 'ready') {
      await this.publisher.redis.publish(channel, goodbye).catch(() => undefined);
    }
    for (const undo of this.detach.splice(0)) undo();
    await Promise.all([
      quit(this.subscriber.redis),
      this.ownsPublisher ? quit(this.publisher.redis) : undefined,
    ]);
  }

  private watch(link: Connection): void {
    const { redis, role } = link;
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

function connection(redis: Redis, role: string): Connection {
  return { redis, role, down: false };
}

async function quit(redis: Redis): Promise<void> {
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
