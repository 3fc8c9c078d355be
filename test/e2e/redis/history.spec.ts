import { ConsoleLogger, Logger } from '@nestjs/common';
import { Redis, type Cluster } from 'ioredis';
import { Envelopes } from '../../../src/cluster/envelope.js';
import { Signer } from '../../../src/cluster/signing.js';
import type { EtpRedisBrokerOptions } from '../../../src/redis/index.js';
import { closeAfterTest } from '../../support/cleanup.js';
import { RedisCluster } from '../../support/redis-cluster.js';
import { RedisServer } from '../../support/redis-server.js';
import { fake, FakeSocket } from '../../unit/rooms/fake-socket.js';
import { until } from './cluster.js';
import { FORGER } from './forge.js';
import {
  clusterClient,
  droppedBy,
  historyInstance,
  historyKeys,
  offsetsOf,
  type HistoryInstance,
} from './history-brokers.js';

const KEY = 'a secret the instances share';
const ROOM = 'room';
const IN_ROOM = { rooms: [ROOM], except: [] };
const RECOVERY = { maxMessages: 100, maxDisconnection: 60_000 };

/** Where the tests run: the brokers' options, and a client that writes as anyone could. */
interface Store {
  readonly options: EtpRedisBrokerOptions;
  readonly admin: Redis | Cluster;
  readonly sharded: boolean;
}

let nextPrefix = 0;

/** Two instances of an application of the test's own, each with a member of the room. */
async function pair(store: Store, recovery = RECOVERY): Promise<HistoryInstance[]> {
  const prefix = `history${++nextPrefix}`;
  const both = await Promise.all(
    [1, 2].map(() => historyInstance({ ...store.options, prefix }, recovery, ROOM)),
  );
  return both.map((one) => closeAfterTest(one));
}

function publish(from: HistoryInstance, count: number, first = 1, room = ROOM): void {
  for (let i = first; i < first + count; i++) {
    from.broker.publishKept(room, { rooms: [room], except: [] }, 'e', { i });
  }
}

const sealed = (key: string, room: string) =>
  new Envelopes(new Signer(key)).seal({
    from: FORGER,
    seq: 1,
    room,
    event: 'x',
    data: 1,
    rooms: [room],
    except: [],
  });

/** The tests every store runs: one Redis, and a Redis Cluster with sharded pub/sub. */
function keepsHistory(store: () => Store): void {
  it('brings a kept broadcast to every instance, its publisher too, in order, numbered 1, 2, 3 …', async () => {
    const [a, b] = await pair(store());
    publish(a, 50);
    publish(b, 50, 51);
    await until(() => a.written.length === 100 && b.written.length === 100);
    // Each instance in the one order the store gave, whoever published.
    expect(offsetsOf(a)).toEqual(Array.from({ length: 100 }, (_, k) => k + 1));
    expect(offsetsOf(b)).toEqual(offsetsOf(a));
    expect(b.written).toEqual(a.written);
    const data = a.rooms.delivered.map(({ kept }) => (kept.data as { i: number }).i);
    expect(data.filter((i) => i <= 50)).toEqual(Array.from({ length: 50 }, (_, k) => k + 1));
    const epochs = new Set(
      [...a.rooms.delivered, ...b.rooms.delivered].map(({ position }) => position.epoch),
    );
    expect(epochs.size).toBe(1);
    expect(a.rooms.delivered[0].kept).toEqual({
      room: ROOM,
      offset: 1,
      target: IN_ROOM,
      event: 'e',
      data: { i: data[0] },
    });
  });

  it('returns exactly the broadcasts kept after a position, and where the room stands', async () => {
    const [a, b] = await pair(store());
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

  it('hears a room joined later once listening says so', async () => {
    const [a, b] = await pair(store());
    const late = FakeSocket.of();
    a.rooms.registry.join(late, ['later']);
    await a.broker.listening('later');
    publish(b, 3, 1, 'later');
    await until(() => fake(late).written.length === 3);
    expect(fake(late).written).toEqual([1, 2, 3].map((i) => `e||0||{"i":${i}}`));
  });

  it('cannot recover a position more than maxMessages behind', async () => {
    const [a, b] = await pair(store(), { ...RECOVERY, maxMessages: 5 });
    publish(a, 8);
    await until(() => b.written.length === 8);
    const { epoch } = b.rooms.delivered[0].position;
    expect(await b.broker.history(ROOM, { epoch, offset: 2 })).toBeUndefined();
    const slice = await b.broker.history(ROOM, { epoch, offset: 3 });
    expect(slice?.kept.map((kept) => kept.offset)).toEqual([4, 5, 6, 7, 8]);
  });

  it('cannot recover past maxDisconnection, but a position with nothing missed still is', async () => {
    const [a, b] = await pair(store(), { maxMessages: 100, maxDisconnection: 300 });
    publish(a, 2);
    await until(() => b.written.length === 2);
    const first = b.rooms.delivered[0].position;
    await new Promise((resolve) => setTimeout(resolve, 400));
    publish(a, 1, 3);
    await until(() => b.written.length === 3);
    // The first two are older than 300 ms: what came after a position before them is gone.
    expect(await b.broker.history(ROOM, first)).toBeUndefined();
    const last = b.rooms.delivered[2].position;
    expect(await b.broker.history(ROOM, last)).toEqual({ position: last, kept: [] });
  });

  it('takes a planted entry for no history at all, counts it, and lives', async () => {
    const { admin, sharded } = store();
    const [a, b] = await pair(store());
    const keys = historyKeys(a, ROOM);
    publish(a, 2);
    await until(() => b.written.length === 2);
    const position = b.rooms.delivered[1].position;
    const dropped = droppedBy(b);
    const forged = [
      Buffer.from('not an envelope'),
      new Envelopes().sealBody(FORGER, Buffer.from('unsigned')),
      sealed('another key', ROOM),
      sealed(KEY, 'another room'),
    ];
    for (const [index, bytes] of forged.entries()) {
      const offset = position.offset + 1 + index;
      await admin.hincrby(keys.meta, 'offset', 1);
      await admin.xadd(keys.entries, `${offset}-0`, 't', String(Date.now()), 'm', bytes);
      expect(await b.broker.history(ROOM, { ...position, offset: offset - 1 })).toBeUndefined();
    }
    expect(dropped).toEqual(['unreadable', 'unsigned', 'bad_signature', 'shape']);
    // An entry of no shape of ours at all; a forged message and a junk one on the channel.
    await admin.hincrby(keys.meta, 'offset', 1);
    await admin.xadd(keys.entries, `${position.offset + 5}-0`, 'junk', 'x');
    const from = { ...position, offset: position.offset + 4 };
    expect(await b.broker.history(ROOM, from)).toBeUndefined();
    const heard = Buffer.concat([Buffer.from(`!${position.epoch} 99\n`), forged[2]]);
    for (const bytes of [heard, Buffer.from('!junk')]) {
      if (sharded) await admin.spublish(keys.channel, bytes);
      else await admin.publish(keys.channel, bytes);
    }
    await until(() => dropped.length === 7);
    expect(dropped.slice(4)).toEqual(['shape', 'bad_signature', 'unreadable']);
    // Alive and working: the next broadcast is numbered after the planted entries.
    publish(a, 1, 3);
    await until(() => b.written.length === 3);
    expect(b.rooms.delivered[2].position).toEqual({ ...position, offset: position.offset + 6 });
  });
}

describe('EtpRedisBroker keeps room history on one Redis', () => {
  let redis: RedisServer;
  let admin: Redis;
  const store = (): Store => ({
    options: { url: redis.url, signingKey: KEY },
    admin,
    sharded: false,
  });

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

  keepsHistory(store);

  it('starts a new epoch when Redis lost the history: an old position is not recoverable', async () => {
    const [a, b] = await pair(store());
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
});

describe('EtpRedisBroker keeps room history on a Redis Cluster, sharded', () => {
  let cluster: RedisCluster;
  let admin: Cluster;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    cluster = await RedisCluster.start();
    admin = clusterClient(cluster.addresses);
  }, 60_000);
  afterAll(async () => {
    Logger.overrideLogger(new ConsoleLogger());
    await admin?.quit();
    await cluster?.stop();
  });

  keepsHistory(() => ({
    options: {
      client: closeAfterTest(clusterClient(cluster.addresses)),
      sharded: true,
      signingKey: KEY,
    },
    admin,
    sharded: true,
  }));
});
