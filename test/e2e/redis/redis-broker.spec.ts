import type { Instance } from '../../support/instances.js';
import { RedisServer } from '../../support/redis-server.js';
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

/** Every frame of `event` a client got, in order. */
function framesOf(member: Member, event: string): string[] {
  return member.client.received.filter((frame) => frame.startsWith(`${event}||`));
}

/** A second broadcast to everyone, after which any copy of an earlier one would have arrived. */
async function settle(from: Member, everyone: Member[]): Promise<void> {
  const mark = `mark${Math.random().toString(36).slice(2)}`;
  await call(from.client, 'emit', { event: mark });
  await Promise.all(everyone.map((member) => member.client.next(`${mark}||`)));
}

describe('EtpRedisBroker across instances in separate processes', () => {
  let redis: RedisServer;
  let entry: string;
  let a: Instance;
  let b: Instance;
  let c: Instance;
  const members: Member[] = [];

  async function member(instance: Instance, rooms: string[] = [], path?: string): Promise<Member> {
    const one = await connect(instance, rooms, path);
    members.push(one);
    return one;
  }

  beforeAll(async () => {
    [redis, entry] = await Promise.all([RedisServer.start(), compileInstanceApp('redis-cluster')]);
    [a, b, c] = await startInstances(entry, ['a', 'b', 'c'], redis.url, 'cluster');
    // Every instance knows the two others once a probe sees the three probes.
    const probes = await Promise.all([a, b, c].map((instance) => member(instance, ['probe'])));
    for (const probe of probes) {
      await until(async () => {
        const found = await call<unknown[]>(probe.client, 'fetch', { to: ['probe'] });
        return Array.isArray(found) && found.length === 3;
      });
    }
  }, SETUP_TIMEOUT);

  afterEach(async () => {
    await Promise.all(members.splice(3).map((one) => one.client.close()));
  });

  afterAll(async () => {
    await Promise.all(members.splice(0).map((one) => one.client.close()));
    await Promise.all([a, b, c].map((instance) => instance?.stop()));
    await redis?.stop();
  });

  it('broadcasts to rooms on every instance, except rooms and sockets', async () => {
    const a1 = await member(a, ['red']);
    const b1 = await member(b, ['red', 'muted']);
    const b2 = await member(b, ['red']);
    const c1 = await member(c, ['red']);
    const c2 = await member(c, ['blue']);
    const result = await call(a1.client, 'emit', {
      to: ['red', 'blue'],
      except: ['muted', b2.id],
      event: 'news',
      data: { n: 1 },
    });
    expect(result).toEqual({ local: 1 });
    for (const one of [a1, c1, c2]) {
      expect(await one.client.next('news||')).toBe('news||0||{"n":1}');
    }
    await settle(a1, [a1, b1, b2, c1, c2]);
    expect([b1, b2].map((one) => framesOf(one, 'news'))).toEqual([[], []]);
    expect([a1, c1, c2].map((one) => framesOf(one, 'news'))).toEqual([[], [], []]);
  });

  it('reaches one socket by its id wherever it is connected', async () => {
    const a1 = await member(a);
    const c1 = await member(c);
    expect(await call(a1.client, 'emit', { to: [c1.id], event: 'direct', data: 'psst' })).toEqual({
      local: 0,
    });
    expect(await c1.client.next('direct||')).toBe('direct||0||psst');
    // Through fetchSockets(): the remote socket's emit.
    expect(await call(a1.client, 'tell', { id: c1.id, event: 'told' })).toBe(true);
    expect(await c1.client.next('told||')).toBe('told||0');
  });

  it('fetches the sockets of rooms, and of everyone, from every instance', async () => {
    const a1 = await member(a, ['green']);
    const b1 = await member(b, ['green', 'x']);
    const c1 = await member(c, ['yellow']);
    const green = await call<Array<{ id: string; rooms: string[] }>>(c1.client, 'fetch', {
      to: ['green'],
    });
    expect(green.sort((x, y) => x.id.localeCompare(y.id))).toEqual(
      [
        { id: a1.id, rooms: ['green'] },
        { id: b1.id, rooms: ['green', 'x'] },
      ].sort((x, y) => x.id.localeCompare(y.id)),
    );
    // Every connection of the cluster (those of earlier tests may take a moment to be gone).
    const ids = members.map((one) => one.id).sort();
    await until(async () => {
      const everyone = await call<Array<{ id: string }>>(a1.client, 'fetch', {});
      return JSON.stringify(everyone.map((one) => one.id).sort()) === JSON.stringify(ids);
    });
    const butGreen = await call<Array<{ id: string }>>(a1.client, 'fetch', { except: ['green'] });
    expect(butGreen.map((one) => one.id)).toContain(c1.id);
    expect(butGreen.map((one) => one.id)).not.toContain(b1.id);
  });

  it('collects every member’s answer from every instance with timeout().emitWithAck()', async () => {
    const voters = [
      await member(a, ['vote']),
      await member(b, ['vote']),
      await member(c, ['vote']),
    ];
    voters.forEach((voter, index) => answer(voter.client, 'ballot', `yes-${index}`));
    const result = await call<{ answers: string[] }>(voters[0].client, 'ask', {
      to: ['vote'],
      event: 'ballot',
      data: 'q',
      timeout: 5_000,
    });
    expect(result.answers.sort()).toEqual(['yes-0', 'yes-1', 'yes-2']);
  });

  it('rejects with EtpAckTimeoutError holding the answers that came in time', async () => {
    const quick = [await member(a, ['poll']), await member(c, ['poll'])];
    await member(b, ['poll']); // stays silent
    quick.forEach((voter, index) => answer(voter.client, 'poll', index));
    const result = await call<{ error: string; responses: number[] }>(quick[0].client, 'ask', {
      to: ['poll'],
      event: 'poll',
      timeout: 800,
    });
    expect(result.error).toBe('EtpAckTimeoutError');
    expect(result.responses.sort()).toEqual([0, 1]);
  });

  it('joins, leaves and disconnects sockets on every instance', async () => {
    const a1 = await member(a, ['cyan']);
    const b1 = await member(b, ['cyan']);
    const c1 = await member(c, ['cyan']);
    const other = await member(c, ['magenta']);
    expect(await call(b1.client, 'socketsJoin', { to: ['cyan'], rooms: ['gold'] })).toBe('done');
    const gold = await call<Array<{ id: string }>>(other.client, 'fetch', { to: ['gold'] });
    expect(gold.map((one) => one.id).sort()).toEqual([a1.id, b1.id, c1.id].sort());
    expect(await call(a1.client, 'join', [])).toEqual(['cyan', 'gold']);

    expect(await call(c1.client, 'socketsLeave', { to: [a1.id, b1.id], rooms: ['gold'] })).toBe(
      'done',
    );
    const left = await call<Array<{ id: string }>>(other.client, 'fetch', { to: ['gold'] });
    expect(left.map((one) => one.id)).toEqual([c1.id]);

    expect(await call(other.client, 'disconnect', { to: ['cyan'] })).toBe('done');
    expect(await Promise.all([a1, b1, c1].map((one) => one.client.closed))).toEqual([
      4000, 4000, 4000,
    ]);
    expect(other.client.closeCode).toBeUndefined();
  });

  it('encodes a broadcast once per payload codec on each instance, not once per socket', async () => {
    const crowd: Member[] = [];
    for (const instance of [a, b, c]) {
      for (let i = 0; i < 6; i++) {
        crowd.push(await member(instance, ['enc'], i % 2 === 0 ? '/ws' : '/json'));
      }
    }
    const [first] = crowd;
    const before = await Promise.all([a, b, c].map((instance) => encodes(crowd, instance)));
    await call(first.client, 'emit', { to: ['enc'], event: 'once', data: { v: 1 } });
    await Promise.all(crowd.map((one) => one.client.next('once||')));
    const after = await Promise.all([a, b, c].map((instance) => encodes(crowd, instance)));
    // Between the two readings: the first reading's own answer, then two encodes of the
    // broadcast (one per codec), and on the sender the answer to `emit`.
    expect(after.map((count, index) => count - before[index])).toEqual([1 + 2 + 1, 1 + 2, 1 + 2]);
  });

  it('brings a room broadcast to 1,000 sockets over three instances, each once', async () => {
    const crowd: Member[] = [];
    const instances = [a, b, c];
    for (let batch = 0; batch < 10; batch++) {
      crowd.push(
        ...(await Promise.all(
          Array.from({ length: 100 }, (_, i) => member(instances[(batch * 100 + i) % 3], ['big'])),
        )),
      );
    }
    const result = await call<{ local: number }>(crowd[0].client, 'emit', {
      to: ['big'],
      event: 'wave',
      data: 'hi',
    });
    expect(result.local).toBe(334);
    await settle(crowd[0], crowd);
    const counts = crowd.map((one) => framesOf(one, 'wave').length);
    expect(counts.filter((count) => count !== 1)).toEqual([]);
    expect(counts).toHaveLength(1_000);
  }, 60_000);
});

/** How many payloads an instance encoded so far, read through one of its clients. */
async function encodes(crowd: Member[], instance: Instance): Promise<number> {
  const client = crowd.find((one) => one.instance === instance)!;
  return call<number>(client.client, 'encodes');
}
