import { serialize } from 'node:v8';
import { Redis } from 'ioredis';
import { Envelopes } from '../../../src/cluster/envelope.js';
import { Control } from '../../../src/cluster/messages.js';
import { Signer } from '../../../src/cluster/signing.js';

/** An instance id no instance has. */
export const FORGER = 'f00df00df00df00d';

/** `n` ids of instances that do not exist. */
export function fakeIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => i.toString(16).padStart(16, 'e'));
}

/**
 * Whoever can PUBLISH on the application's Redis: it writes messages in the instances' own
 * format, signed with a key of its choice or not at all, or any bytes it likes.
 */
export class Forger {
  readonly redis: Redis;
  private readonly listeners: Redis[] = [];

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    this.redis = new Redis(url);
  }

  /** A value in an envelope, as an instance would seal it. */
  seal(value: unknown, from = FORGER, key?: string): Buffer {
    const envelopes = new Envelopes(key === undefined ? undefined : new Signer(key));
    return envelopes.sealBody(from, serialize(value));
  }

  /** Publishes bytes on a channel of the application, in one round trip for them all. */
  async publish(channel: 'broadcast' | 'control' | string, messages: Buffer[]): Promise<void> {
    const name =
      channel === 'broadcast' || channel === 'control' ? `${this.prefix}:${channel}` : channel;
    const pipeline = this.redis.pipeline();
    for (const bytes of messages) pipeline.publish(name, bytes);
    await pipeline.exec();
  }

  /** The channel of a room (or a socket id), where the broadcasts to it are published. */
  room(name: string): string {
    return `${this.prefix}:room{:${name}}`;
  }

  /** The reply channel of an instance, by its id. */
  replies(instance: string): string {
    return `${this.prefix}:reply:${instance}`;
  }

  /** 20,000 `emitWithAck` of everyone with a timeout of 0 (none), as the attacker sent. */
  acks(count: number, key?: string): Buffer[] {
    return Array.from({ length: count }, (_, i) =>
      this.seal(
        {
          kind: Control.EmitWithAck,
          from: FORGER,
          request: i + 1,
          target: { rooms: undefined, except: [] },
          event: 'vote',
          data: 'forged',
          timeout: 0,
        },
        FORGER,
        key,
      ),
    );
  }

  heartbeats(count: number, key?: string): Buffer[] {
    return fakeIds(count).map((from) => this.seal({ kind: Control.Heartbeat, from }, from, key));
  }

  /** Every message published on a channel of the application from now on, as it came. */
  async capture(channel: 'broadcast' | 'control' | string): Promise<Buffer[]> {
    const captured: Buffer[] = [];
    const listener = this.redis.duplicate();
    this.listeners.push(listener);
    listener.on('messageBuffer', (_: Buffer, message: Buffer) => captured.push(message));
    const name =
      channel === 'broadcast' || channel === 'control' ? `${this.prefix}:${channel}` : channel;
    await listener.subscribe(name);
    return captured;
  }

  close(): Promise<unknown> {
    return Promise.all([this.redis, ...this.listeners].map((redis) => redis.quit()));
  }
}
