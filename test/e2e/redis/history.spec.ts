import { ConsoleLogger, Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Envelopes } from '../../../src/cluster/envelope.js';
import { Signer } from '../../../src/cluster/signing.js';
import type { EtpRedisBrokerOptions } from '../../../src/redis/index.js';
import { closeAfterTest } from '../../support/cleanup.js';
import { RedisCluster } from '../../support/redis-cluster.js';
import { RedisServer } from '../../support/redis-server.js';
import { until } from './cluster.js';
import { FORGER } from './forge.js';
import {
  clusterClient,
  historyInstance,
  offsetsOf,
  type HistoryInstance,
} from './history-brokers.js';

const KEY = 'a secret the instances share';
const ROOM = 'room';
const EVERYONE_IN_ROOM = { rooms: [ROOM], except: [] };
const RECOVERY = { maxMessages: 100, maxDisconnection: 60_000 };

let nextPrefix = 0;
/** Each test its own application on the shared Redis: no history of another test. */
const newPrefix = () => `history${++nextPrefix}`;

/** Two instances of one application, each with a member of the room. */
async function pair(
  options: EtpRedisBrokerOptions,
  recovery = RECOVERY,
): Promise<[HistoryInstance, HistoryInstance]> {
  const prefix = newPrefix();
  const both = await Promise.all([
    historyInstance({ ...options, prefix }, recovery),
    historyInstance({ ...options, prefix }, recovery),
  ]);
  for (const one of both) closeAfterTest(one);
  return both;
}

function publish(from: HistoryInstance, count: number, first = 1): void {
  for (let i = first; i < first + count; i++) {
    from.broker.publishKept(ROOM, EVERYONE_IN_ROOM, 'e', { i });
  }
}

const frames = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, k) => `e||0||{"i":${from + k}}`);

/** The tests every store runs: one Redis, and a Redis Cluster with sharded pub/sub. */
function keepsHistory(options: () => EtpRedisBrokerOptions): void {
  it('brings a kept broadcast to every instance, its publisher too, in order, numbered 1, 2, 3 …', async () => {
    const [a, b] = await pair(options());
    publish(a, 50);
    publish(b, 50, 51);
    await until(() => a.written.length === 100 && b.written.length === 100);
    // Each instance in the one order the store gave, whoever published.
    expect(offsetsOf(a)).toEqual(Array.from({ length: 100 }, (_, k) => k + 1));
    expect(offsetsOf(b)).toEqual(offsetsOf(a));
    expect(b.written).toEqual(a.written);
    expect(a.written.filter((frame) => frame.startsWith('e||0||{"i":5'))).toEqual(
      frames(5, 5).concat(frames(50, 59)),
    );
    const epochs = new Set(
      [...a.rooms.delivered, ...b.rooms.delivered].map(({ position }) => position.epoch),
    );
    expect(epochs.size).toBe(1);
    const [{ kept }] = a.rooms.delivered;
    expect(kept).toEqual({
      room: ROOM,
      offset: 1,
      target: EVERYONE_IN_ROOM,
      event: 'e',
      data: { i: 1 },
    });
  });

  it('returns exactly the broadcasts kept after a position, and where the room stands', async () => {
    const [a, b] = await pair(options());
    const start = (await b.broker.history(ROOM, undefined))!;
    expect(start.position.offset).toBe(0);
    expect(start.kept).toEqual([]);
    publish(a, 10);
    await until(() => b.written.length === 10);
    const { position } = b.rooms.delivered[3];
    expect(position.epoch).toBe(start.position.epoch);
    const slice = (await b.broker.history(ROOM, position))!;
    expect(slice.position).toEqual({ epoch: position.epoch, offset: 10 });
    expect(slice.kept.map((kept) => kept.offset)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(slice.kept.map((kept) => kept.data)).toEqual([5, 6, 7, 8, 9, 10].map((i) => ({ i })));
    expect(await a.broker.history(ROOM, slice.position)).toEqual({
      position: slice.position,
      kept: [],
    });
    expect(await a.broker.history(ROOM, { ...position, offset: 11 })).toBeUndefined();
    expect(await a.broker.history(ROOM, { epoch: 'abc', offset: 4 })).toBeUndefined();
  });

  it('cannot recover a position more than maxMessages behind', async () => {
    const [a, b] = await pair(options(), { ...RECOVERY, maxMessages: 5 });
    publish(a, 8);
    await until(() => b.written.length === 8);
    const { epoch } = b.rooms.delivered[0].position;
    expect(await b.broker.history(ROOM, { epoch, offset: 2 })).toBeUndefined();
    const slice = await b.broker.history(ROOM, { epoch, offset: 3 });
    expect(slice?.kept.map((kept) => kept.offset)).toEqual([4, 5, 6, 7, 8]);
  });
}

describe('EtpRedisBroker keeps room history on one Redis', () => {
  let redis: RedisServer;
  let admin: Redis;

  beforeAll(async () => {
    Logger.overrideLogger(false); // the outages and forgeries here are on purpose
    redis = await RedisServer.start();
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    Logger.overrideLogger(new ConsoleLogger());
    await admin?.quit();
    await redis?.stop();
  });

  keepsHistory(() => ({ url: redis.url, signingKey: KEY }));

  it('cannot recover past maxDisconnection, but a position with nothing missed still is', async () => {
    const [a, b] = await pair(
      { url: redis.url, signingKey: KEY },
      { maxMessages: 100, maxDisconnection: 300 },
    );
    publish(a, 2);
    await until(() => b.written.length === 2);
    const first = b.rooms.delivered[0].position;
    await new Promise((resolve) => setTimeout(resolve, 400));
    publish(a, 1, 3);
    await until(() => b.written.length === 3);
    // The first two are older than 300 ms: the ones after a position before them are gone.
    expect(await b.broker.history(ROOM, first)).toBeUndefined();
    const last = b.rooms.delivered[2].position;
    expect(await b.broker.history(ROOM, last)).toEqual({ position: last, kept: [] });
  });

  it('starts a new epoch when Redis lost the history: an old position is not recoverable', async () => {
    const [a, b] = await pair({ url: redis.url, signingKey: KEY });
    publish(a, 3);
    await until(() => b.written.length === 3);
    const before = b.rooms.delivered[1].position;
    await redis.stop();
    await redis.start();
    await until(() => a.broker.isConnected() && b.broker.isConnected());
    expect(await b.broker.history(ROOM, before)).toBeUndefined();
    publish(a, 1, 4);
    await until(() => b.written.length === 4);
    const after = b.rooms.delivered[3].position;
    expect(after.epoch).not.toBe(before.epoch);
    expect(after.offset).toBe(1);
  });

  it('takes a planted entry for no history at all, and lives', async () => {
    const [a, b] = await pair({ url: redis.url, signingKey: KEY });
    const prefix = (
      a.broker as unknown as {
        channels: { history(room: string): { entries: string; meta: string; channel: string } };
      }
    ).channels.history(ROOM);
    publish(a, 2);
    await until(() => b.written.length === 2);
    const position = b.rooms.delivered[1].position;
    const reports = (b.broker as unknown as { reports: { dropped(reason: string): void } }).reports;
    const dropped: string[] = [];
    const drop = reports.dropped.bind(reports);
    reports.dropped = (reason: string, ...rest: unknown[]) => {
      dropped.push(reason);
      (drop as (...args: unknown[]) => void)(reason, ...rest);
    };
    const forged = [
      Buffer.from('not an envelope'),
      new Envelopes().sealBody(FORGER, Buffer.from('unsigned')),
      new Envelopes(new Signer('another key')).seal({
        from: FORGER,
        seq: 1,
        room: ROOM,
        event: 'x',
        data: 1,
        rooms: [ROOM],
        except: [],
      }),
      new Envelopes(new Signer(KEY)).seal({
        from: FORGER,
        seq: 1,
        room: 'other',
        event: 'x',
        data: 1,
        rooms: ['other'],
        except: [],
      }),
    ];
    for (const [index, bytes] of forged.entries()) {
      const offset = position.offset + 1 + index;
      await admin.hincrby(prefix.meta, 'offset', 1);
      await admin.xadd(prefix.entries, `${offset}-0`, 't', String(Date.now()), 'm', bytes);
      expect(await b.broker.history(ROOM, { ...position, offset: offset - 1 })).toBeUndefined();
    }
    expect(dropped).toEqual(['unreadable', 'unsigned', 'bad_signature', 'shape']);
    // An entry of no shape of ours at all, and a forged position on the channel.
    await admin.hincrby(prefix.meta, 'offset', 1);
    await admin.xadd(prefix.entries, `${position.offset + 5}-0`, 'junk', 'x');
    expect(
      await b.broker.history(ROOM, { ...position, offset: position.offset + 4 }),
    ).toBeUndefined();
    await admin.publish(
      prefix.channel,
      Buffer.concat([Buffer.from(`!${position.epoch} 99\n`), forged[2]]),
    );
    await admin.publish(prefix.channel, Buffer.from('!junk'));
    await until(() => dropped.length === 7);
    expect(dropped[4]).toBe('shape');
    expect(dropped.slice(5)).toEqual(['bad_signature', 'unreadable']);
    // Alive and still working: the next broadcast is numbered after the planted entries.
    publish(a, 1, 3);
    await until(() => b.written.length === 3);
    expect(b.rooms.delivered[2].position).toEqual({ ...position, offset: position.offset + 6 });
  });
});

describe('EtpRedisBroker keeps room history on a Redis Cluster, sharded', () => {
  let cluster: RedisCluster;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    cluster = await RedisCluster.start();
  }, 60_000);
  afterAll(async () => {
    Logger.overrideLogger(new ConsoleLogger());
    await cluster?.stop();
  });

  keepsHistory(() => ({
    client: closeAfterTest(clusterClient(cluster.addresses)),
    sharded: true,
    signingKey: KEY,
  }));
});
