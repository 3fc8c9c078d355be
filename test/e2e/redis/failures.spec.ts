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

describe('EtpRedisBroker when an instance or Redis fails', () => {
  let redis: RedisServer;
  let entry: string;
  let a: Instance;
  let b: Instance;
  const members: Member[] = [];

  async function member(instance: Instance, rooms: string[] = []): Promise<Member> {
    const one = await connect(instance, rooms);
    members.push(one);
    return one;
  }

  /** How many sockets of `room` an instance sees in the cluster. */
  async function seen(from: Member, room: string): Promise<number | string> {
    const found = await call<unknown[] | { error: string }>(from.client, 'fetch', { to: [room] });
    return Array.isArray(found) ? found.length : found.error;
  }

  beforeAll(async () => {
    [redis, entry] = await Promise.all([RedisServer.start(), compileInstanceApp('redis-failures')]);
    [a, b] = await startInstances(entry, ['a', 'b'], redis.url, 'failures');
  }, SETUP_TIMEOUT);

  afterEach(async () => {
    await Promise.all(members.splice(0).map((one) => one.client.close()));
  });

  afterAll(async () => {
    await Promise.all([a, b].map((instance) => instance?.stop()));
    await redis?.stop();
  });

  it('stops counting an instance killed with SIGKILL, for acks and fetchSockets', async () => {
    const [doomed] = await startInstances(entry, ['doomed'], redis.url, 'failures');
    const a1 = await member(a, ['room']);
    answer(a1.client, 'vote', 'a');
    const d1 = await member(doomed, ['room']); // never answers
    await until(async () => (await seen(a1, 'room')) === 2);

    const asked = call<{ answers?: string[]; error?: string; ms: number }>(a1.client, 'ask', {
      to: ['room'],
      event: 'vote',
      timeout: 20_000,
    });
    await d1.client.next(/^vote\|\|\d+/); // the doomed instance's member was asked
    const killedAt = Date.now();
    doomed.child.kill('SIGKILL');
    const result = await asked;
    // Resolved with the living members' answers once the dead instance stopped counting (the
    // fixture's heartbeat: every 200 ms, dead after 1 s of silence), long before the timeout.
    expect(result.answers).toEqual(['a']);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(await seen(a1, 'room')).toBe(1);
    members.splice(members.indexOf(d1), 1);
  });

  it('fails loudly while Redis is down, and works again once it is back', async () => {
    const a1 = await member(a, ['news']);
    const b1 = await member(b, ['news']);
    await until(async () => (await seen(a1, 'news')) === 2);

    await redis.stop();
    await until(() => a.output().includes('connection lost'));
    const during = await call<{ local: number }>(a1.client, 'emit', {
      to: ['news'],
      event: 'lost',
    });
    expect(during.local).toBe(1); // this instance's member still got it
    await until(() => a.output().includes('Broadcast "lost" did not reach the other instances'));
    expect(await seen(a1, 'news')).toMatch(/Redis is not connected/);

    await redis.start();
    await until(
      () => a.output().includes('connection back') && b.output().includes('connection back'),
    );
    // Once the instances have heard of each other again, broadcasts cross again.
    await until(async () => (await seen(a1, 'news')) === 2);
    await call(a1.client, 'emit', { to: ['news'], event: 'back', data: 1 });
    expect(await b1.client.next('back||')).toBe('back||0||1');
    expect(b1.client.received.filter((frame) => frame.startsWith('lost||'))).toEqual([]);
  }, 30_000);

  it('closes its connections at shutdown and leaves no handle open', async () => {
    const [leaving] = await startInstances(entry, ['leaving'], redis.url, 'failures');
    const a1 = await member(a, ['stay']);
    const l1 = await member(leaving, ['stay']);
    await until(async () => (await seen(a1, 'stay')) === 2);
    members.splice(members.indexOf(l1), 1);
    const code = await leaving.stop();
    expect(leaving.output()).toContain('closed');
    expect(leaving.output()).not.toContain('handles left');
    expect(code).toBe(0);
    // Its goodbye took it out of the cluster at once, without waiting for the heartbeat.
    expect(await seen(a1, 'stay')).toBe(1);
  });
});
