import type { Instance } from '../../support/instances.js';
import { RedisCluster } from '../../support/redis-cluster.js';
import {
  answer,
  call,
  compileInstanceApp,
  connect,
  startInstances,
  until,
  type Member,
} from './cluster.js';

const SETUP_TIMEOUT = 60_000;

function framesOf(member: Member, event: string): string[] {
  return member.client.received.filter((frame) => frame.startsWith(`${event}||`));
}

function ids(found: Array<{ id: string }>): string[] {
  return found.map((socket) => socket.id).sort();
}

describe('EtpRedisBroker on a Redis Cluster, sharded', () => {
  let cluster: RedisCluster;
  let entry: string;
  let a: Instance;
  let b: Instance;
  const members: Member[] = [];

  async function member(instance: Instance, rooms: string[] = []): Promise<Member> {
    const one = await connect(instance, rooms);
    members.push(one);
    return one;
  }

  /** Resolves once `probe` sees exactly `expected` sockets in `room` (all of them without). */
  async function seen(probe: Member, expected: string[], room?: string): Promise<void> {
    await until(async () => {
      const found = await call<Array<{ id: string }> | { error: string }>(
        probe.client,
        'fetch',
        room === undefined ? {} : { to: [room] },
      );
      return Array.isArray(found) && ids(found).join() === [...expected].sort().join();
    }, 20_000);
  }

  beforeAll(async () => {
    [cluster, entry] = await Promise.all([
      RedisCluster.start(),
      compileInstanceApp('redis-cluster-sharded'),
    ]);
    [a, b] = await startInstances(entry, ['a', 'b'], '', 'shard', {
      CLUSTER_NODES: cluster.addresses,
      SHARDED: '1',
      HEARTBEAT_TIMEOUT: '3000',
    });
  }, SETUP_TIMEOUT);

  afterEach(async () => {
    await Promise.all(members.splice(0).map((one) => one.client.close()));
  });

  afterAll(async () => {
    await Promise.all([a, b].map((instance) => instance?.stop()));
    await cluster?.stop();
  });

  it('carries every cross-instance operation exactly', async () => {
    const a1 = await member(a, ['red']);
    const b1 = await member(b, ['red', 'blue']);
    const b2 = await member(b, ['blue']);
    await seen(a1, [a1.id, b1.id, b2.id]);

    await call(a1.client, 'emit', { to: ['red', 'blue'], event: 'rb' });
    await call(a1.client, 'emit', { to: [b2.id], event: 'dm' });
    await call(a1.client, 'emit', { event: 'all' });
    await Promise.all([a1, b1, b2].map((one) => one.client.next('all||')));
    await b2.client.next('dm||');
    expect([a1, b1, b2].map((one) => framesOf(one, 'rb').length)).toEqual([1, 1, 1]);
    expect([a1, b1].map((one) => framesOf(one, 'dm').length)).toEqual([0, 0]);

    expect(ids(await call(a1.client, 'fetch', { to: ['blue'] }))).toEqual(ids([b1, b2]));
    answer(a1.client, 'vote', 'a');
    answer(b1.client, 'vote', 'b');
    const asked = await call<{ answers: string[] }>(a1.client, 'ask', {
      to: ['red'],
      event: 'vote',
      timeout: 5_000,
    });
    expect(asked.answers.sort()).toEqual(['a', 'b']);

    expect(await call(a1.client, 'socketsJoin', { to: ['blue'], rooms: ['gold'] })).toBe('done');
    expect(ids(await call(a1.client, 'fetch', { to: ['gold'] }))).toEqual(ids([b1, b2]));
    await call(a1.client, 'emit', { to: ['gold'], event: 'g' });
    await Promise.all([b1, b2].map((one) => one.client.next('g||')));
    expect(await call(a1.client, 'socketsLeave', { to: [b1.id], rooms: ['gold'] })).toBe('done');
    expect(ids(await call(a1.client, 'fetch', { to: ['gold'] }))).toEqual([b2.id]);
    expect(await call(a1.client, 'disconnect', { to: ['blue'] })).toBe('done');
    await seen(a1, [a1.id]);
  });

  it('asks only the instances holding a member of the room, and counts their replies exactly', async () => {
    const a1 = await member(a, ['solo']);
    const b1 = await member(b, ['other']);
    const a2 = await member(a, ['pair']);
    const b2 = await member(b, ['pair']);
    await seen(a1, [a1.id, b1.id, a2.id, b2.id]);
    const before = (await call<{ received: number }>(b1.client, 'stats')).received;
    const count = 100;
    for (let i = 0; i < count; i++) {
      expect(ids(await call(b1.client, 'fetch', { to: ['solo'] }))).toEqual([a1.id]);
    }
    // B got the replies to its own requests, and heartbeats; none of the requests of A.
    const asked = await Promise.all(
      Array.from({ length: count }, () => call(a1.client, 'fetch', { to: ['solo'] })),
    );
    expect(asked.every((found) => ids(found as Array<{ id: string }>).join() === a1.id)).toBe(true);
    const after = (await call<{ received: number }>(b1.client, 'stats')).received;
    expect(after - before).toBeLessThan(count + count / 4);
    // A room on both: both reply, each once.
    expect(ids(await call(a1.client, 'fetch', { to: ['pair'] }))).toEqual(ids([a2, b2]));
    answer(a2.client, 'poll', 'a2');
    answer(b2.client, 'poll', 'b2');
    answer(a1.client, 'poll', 'a1');
    for (const [from, room, expected] of [
      [b1, 'pair', ['a2', 'b2']],
      [a1, 'pair', ['a2', 'b2']],
      [b1, 'solo', ['a1']],
    ] as const) {
      const result = await call<{ answers: string[] }>(from.client, 'ask', {
        to: [room],
        event: 'poll',
        timeout: 5_000,
      });
      expect(result.answers.sort()).toEqual(expected);
    }
    expect(ids(await call(a1.client, 'fetch', { to: [b2.id] }))).toEqual([b2.id]);
  });

  it('recovers by itself when a master stops and comes back, duplicating nothing', async () => {
    const crowd: Member[] = [];
    for (let i = 0; i < 12; i++) crowd.push(await member(i % 2 === 0 ? a : b, [`r${i % 6}`]));
    const [probe] = crowd;
    await seen(
      probe,
      crowd.map((one) => one.id),
    );

    await cluster.stopNode(1);
    await until(() => /Redis Cluster node .* failed/.test(a.output() + b.output()), 20_000);
    await cluster.startNode(1);
    await until(() => /Redis Cluster node .* back/.test(a.output() + b.output()), 20_000);

    // Once every room's broadcast crosses again, each member got each broadcast once.
    let round = 0;
    await until(async () => {
      round++;
      for (let room = 0; room < 6; room++) {
        await call(probe.client, 'emit', { to: [`r${room}`], event: `after${round}` });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      return crowd.every((one) => framesOf(one, `after${round}`).length === 1);
    }, 20_000);
    for (const one of crowd) {
      for (let r = 1; r <= round; r++) expect(framesOf(one, `after${r}`).length).toBeLessThan(2);
    }
    await seen(
      probe,
      crowd.map((one) => one.id),
    );

    // Every socket disconnected: nobody is counted any more, on either instance.
    const watcher = await member(a);
    await call(watcher.client, 'disconnect', { except: [watcher.id] });
    await seen(watcher, [watcher.id]);
    for (let i = 0; i < 5; i++) {
      expect(ids(await call(watcher.client, 'fetch', {}))).toEqual([watcher.id]);
    }
  }, 60_000);
});
