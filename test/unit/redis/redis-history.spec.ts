import { Redis } from 'ioredis';
import type { RedisClient } from '../../../src/redis/redis-client.js';
import { historyCommands, keepBroadcast, readHistory } from '../../../src/redis/redis-history.js';
import { RedisServer } from '../../support/redis-server.js';

const keys = {
  channel: 'test:room{:lobby}',
  entries: 'test:history{:lobby}',
  meta: 'test:history-meta{:lobby}',
};
const limits = { maxMessages: 3, maxDisconnection: 60_000, epochLifetime: 120_000 };

describe('redis history scripts', () => {
  let server: RedisServer;
  let redis: Redis;
  let listener: Redis | undefined;

  beforeAll(async () => {
    server = await RedisServer.start();
  });

  afterAll(async () => {
    await server?.stop();
  });

  beforeEach(async () => {
    redis = new Redis(server.url, { lazyConnect: true });
    await redis.connect();
    await redis.flushall();
  });

  afterEach(async () => {
    redis.disconnect();
    listener?.disconnect();
    listener = undefined;
  });

  const keep = (text: string) =>
    keepBroadcast(redis, keys, Buffer.from(text), limits, false) as Promise<number>;

  test('keeping numbers the room’s broadcasts 1, 2, 3 in a new epoch', async () => {
    expect([await keep('a'), await keep('b'), await keep('c')]).toEqual([1, 2, 3]);
    const epoch = await redis.hget(keys.meta, 'epoch');
    expect(epoch).toMatch(/^[0-9a-f]{32}$/);
    expect(await redis.hget(keys.meta, 'offset')).toBe('3');
  });

  test('each kept broadcast is published on the room’s channel with its epoch and offset', async () => {
    listener = new Redis(server.url);
    const heard: Buffer[] = [];
    listener.on('messageBuffer', (_channel: Buffer, message: Buffer) => heard.push(message));
    await listener.subscribe(keys.channel);
    await keep('hello');
    const epoch = await redis.hget(keys.meta, 'epoch');
    for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(heard.map(String)).toEqual([`!${epoch} 1\nhello`]);
  });

  test('sharded, it is published with SPUBLISH, heard by a sharded subscriber', async () => {
    listener = new Redis(server.url);
    const heard: Buffer[] = [];
    listener.on('smessageBuffer', (_channel: Buffer, message: Buffer) => heard.push(message));
    await listener.ssubscribe(keys.channel);
    await keepBroadcast(redis, keys, Buffer.from('sharded'), limits, true);
    const epoch = await redis.hget(keys.meta, 'epoch');
    for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(heard.map(String)).toEqual([`!${epoch} 1\nsharded`]);
  });

  test('reading from a position gives what followed it, with times on the store’s clock', async () => {
    for (const text of ['a', 'b', 'c']) await keep(text);
    const epoch = (await redis.hget(keys.meta, 'epoch'))!;
    const history = await readHistory(redis, keys, { epoch, offset: 1 }, limits);
    expect(history.epoch).toBe(epoch);
    expect(history.offset).toBe(3);
    expect(Math.abs(history.now - Date.now())).toBeLessThan(5_000);
    expect(history.entries.map(({ offset, bytes }) => [offset, String(bytes)])).toEqual([
      [2, 'b'],
      [3, 'c'],
    ]);
    for (const entry of history.entries) expect(entry.time).toBeLessThanOrEqual(history.now);
  });

  test('reading with no position starts the room’s epoch and gives no entries', async () => {
    const history = await readHistory(redis, keys, undefined, limits);
    expect(history.epoch).toMatch(/^[0-9a-f]{32}$/);
    expect(history.offset).toBe(0);
    expect(history.entries).toEqual([]);
    expect(await redis.hget(keys.meta, 'epoch')).toBe(history.epoch);
  });

  test('another epoch, or more missed than maxMessages, gives no entries', async () => {
    for (const text of ['a', 'b', 'c', 'd', 'e']) await keep(text);
    const epoch = (await redis.hget(keys.meta, 'epoch'))!;
    expect(
      (await readHistory(redis, keys, { epoch: 'f'.repeat(32), offset: 4 }, limits)).entries,
    ).toEqual([]);
    expect((await readHistory(redis, keys, { epoch, offset: 1 }, limits)).entries).toEqual([]);
    expect((await readHistory(redis, keys, { epoch, offset: 2 }, limits)).entries).toHaveLength(3);
  });

  test('the stream holds at most maxMessages entries and expires with maxDisconnection', async () => {
    for (const text of ['a', 'b', 'c', 'd', 'e']) await keep(text);
    expect(await redis.xlen(keys.entries)).toBe(3);
    const ttl = await redis.pttl(keys.entries);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(limits.maxDisconnection);
  });

  test('an entry not of its making is handed over with undefined fields, not trusted', async () => {
    await keep('a');
    const epoch = (await redis.hget(keys.meta, 'epoch'))!;
    await redis.xadd(keys.entries, '2-0', 'x', 'forged');
    await redis.hset(keys.meta, 'offset', 2);
    const history = await readHistory(redis, keys, { epoch, offset: 1 }, limits);
    expect(history.entries).toEqual([{ offset: 2, time: undefined, bytes: undefined }]);
  });

  test('defines its scripts once per client', () => {
    const first = historyCommands(redis);
    const defined = (first as unknown as { etpKeepBroadcast: unknown }).etpKeepBroadcast;
    expect(typeof defined).toBe('function');
    expect(
      (historyCommands(redis) as unknown as { etpKeepBroadcast: unknown }).etpKeepBroadcast,
    ).toBe(defined);
  });

  test('keeping trims the entries older than maxDisconnection, by the time each was kept', async () => {
    const old = String(Date.now() - 10 * limits.maxDisconnection);
    await redis.hset(keys.meta, 'epoch', 'e'.repeat(32), 'offset', 2);
    await redis.xadd(keys.entries, '1-0', 't', old, 'm', 'a');
    await redis.xadd(keys.entries, '2-0', 't', old, 'm', 'b');
    expect(await keep('c')).toBe(3);
    const history = await readHistory(redis, keys, { epoch: 'e'.repeat(32), offset: 0 }, limits);
    expect(history.entries.map(({ offset, bytes }) => [offset, String(bytes)])).toEqual([[3, 'c']]);
  });

  /** A client whose history script answers `reply`, whatever it is asked. */
  const answering = (reply: unknown): RedisClient =>
    ({
      etpKeepBroadcast: async () => 1,
      etpReadHistoryBuffer: async () => reply,
    }) as unknown as RedisClient;

  test('a reply of an unknown shape is refused', async () => {
    for (const reply of ['OK', null, [1, 2, 3, 4], ['e', '1', '0', '0', 'not entries']]) {
      await expect(readHistory(answering(reply), keys, undefined, limits)).rejects.toThrow(
        'the history script answered in an unknown shape',
      );
    }
  });

  test('entries not as the script writes them have their bad fields undefined', async () => {
    const reply = [
      Buffer.from('e1'),
      Buffer.from('4'),
      Buffer.from('1700000000'),
      Buffer.from('250000'),
      [
        'junk',
        ['2-0', 'not fields'],
        [Buffer.from('abc'), [Buffer.from('t'), Buffer.from('soon'), Buffer.from('m'), 'text']],
        [Buffer.from('3-1'), [Buffer.from('t'), Buffer.from('9'.repeat(30))]],
        [
          Buffer.from('4-0'),
          [
            Buffer.from('t'),
            Buffer.from('12'),
            Buffer.from('m'),
            Buffer.from('ok'),
            Buffer.from('t'),
          ],
        ],
      ],
    ];
    const history = await readHistory(answering(reply), keys, undefined, limits);
    expect([history.epoch, history.offset, history.now]).toEqual(['e1', 4, 1_700_000_000_250]);
    expect(history.entries).toEqual([
      { offset: undefined, time: undefined, bytes: undefined },
      { offset: undefined, time: undefined, bytes: undefined },
      { offset: undefined, time: undefined, bytes: undefined },
      { offset: undefined, time: undefined, bytes: undefined },
      { offset: 4, time: 12, bytes: Buffer.from('ok') },
    ]);
  });
});
