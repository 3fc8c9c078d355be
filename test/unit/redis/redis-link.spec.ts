import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisLink } from '../../../src/redis/redis-link.js';

/** The link's ioredis clients, never connected: the test emits their events itself. */
function clientsOf(link: RedisLink): { publisher: Redis; subscriber: Redis } {
  const inside = link as unknown as { publisher: { redis: Redis }; subscriber: { redis: Redis } };
  return { publisher: inside.publisher.redis, subscriber: inside.subscriber.redis };
}

describe('RedisLink', () => {
  test('lets nothing a handler throws reach ioredis, which would rethrow it out of the process', async () => {
    const reported: string[] = [];
    const logger = new Logger('test');
    logger.error = () => {
      throw new Error('the log is broken too');
    };
    logger.warn = logger.error;
    const link = new RedisLink('redis://127.0.0.1:1', logger, {
      onMessage: () => {
        throw new Error('from a message');
      },
      onReady: () => {
        throw new Error('from ready');
      },
      onError: (where, error) => reported.push(`${where}: ${(error as Error).message}`),
    });
    const { publisher, subscriber } = clientsOf(link);
    try {
      expect(() =>
        subscriber.emit('messageBuffer', Buffer.from('etp:broadcast'), Buffer.from('bytes')),
      ).not.toThrow();
      for (const redis of [publisher, subscriber]) {
        (redis as unknown as { status: string }).status = 'ready';
      }
      expect(() => publisher.emit('ready')).not.toThrow();
      expect(() => publisher.emit('error', new Error('refused'))).not.toThrow();
      expect(() => subscriber.emit('close')).not.toThrow();
      expect(reported).toEqual([
        'a message: from a message',
        'the connection coming back: from ready',
        'a connection error: the log is broken too',
        'a lost connection: the log is broken too',
      ]);
    } finally {
      await link.close(Buffer.alloc(0), 'etp:control');
    }
  });
});
