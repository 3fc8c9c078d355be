import { Redis } from 'ioredis';
import type { Instance } from '../../support/instances.js';
import { RedisServer } from '../../support/redis-server.js';
import {
  call,
  compileInstanceApp,
  connect,
  startInstances,
  until,
  type Member,
} from './cluster.js';

const SETUP_TIMEOUT = 60_000;
const PREFIX = 'routing';

interface Stats {
  instances: number;
  received: number;
  roomChannels: number;
}

function stats(member: Member): Promise<Stats> {
  return call<Stats>(member.client, 'stats');
}

function framesOf(member: Member, event: string): string[] {
  return member.client.received.filter((frame) => frame.startsWith(`${event}||`));
}

describe('EtpRedisBroker routes by room', () => {
  let redis: RedisServer;
  let admin: Redis;
  let entry: string;
  let a: Instance;
  let b: Instance;
  let c: Instance;
  const members: Member[] = [];

  async function member(instance: Instance, rooms: string[] = []): Promise<Member> {
    const one = await connect(instance, rooms);
    members.push(one);
    return one;
  }

  /** How many connections listen on the channel of a room (or a socket id). */
  async function listeners(room: string): Promise<number> {
    const [, count] = (await admin.pubsub('NUMSUB', `${PREFIX}:room{:${room}}`)) as [
      string,
      number,
    ];
    return count;
  }

  /** How many SUBSCRIBE and UNSUBSCRIBE commands Redis has run so far. */
  async function subscribeCommands(): Promise<number> {
    const info = await admin.info('commandstats');
    let calls = 0;
    for (const match of info.matchAll(/cmdstat_(?:un)?subscribe:calls=(\d+)/g)) {
      calls += Number(match[1]);
    }
    return calls;
  }

  beforeAll(async () => {
    [redis, entry] = await Promise.all([RedisServer.start(), compileInstanceApp('redis-routing')]);
    admin = new Redis(redis.url);
    [a, b, c] = await startInstances(entry, ['a', 'b', 'c'], redis.url, PREFIX);
    const probes = await Promise.all([a, b, c].map((instance) => member(instance)));
    await until(async () => {
      const seen = await Promise.all(probes.map(stats));
      return seen.every((one) => one.instances === 3);
    });
  }, SETUP_TIMEOUT);

  afterEach(async () => {
    await Promise.all(members.splice(3).map((one) => one.client.close()));
  });

  afterAll(async () => {
    await Promise.all(members.splice(0).map((one) => one.client.close()));
    await Promise.all([a, b, c].map((instance) => instance?.stop()));
    await admin?.quit();
    await redis?.stop();
  });

  it('listens on a room from its first local member to its last, and not on a join in between', async () => {
    expect(await listeners('den')).toBe(0);
    const first = await member(a, ['den']);
    await until(async () => (await listeners('den')) === 1);
    const second = await member(a);
    await until(async () => (await listeners(second.id)) === 1);
    const before = await subscribeCommands();
    await call(second.client, 'join', ['den']);
    // The second member reaches the room at once: nothing was sent to Redis for it.
    await call(first.client, 'emit', { to: ['den'], event: 'hi' });
    await second.client.next('hi||');
    expect(await subscribeCommands()).toBe(before);

    await call(first.client, 'socketsLeave', { to: [first.id], rooms: ['den'] });
    expect(await listeners('den')).toBe(1); // the second member is still in it
    await second.client.close();
    await until(async () => (await listeners('den')) === 0);
    // Back again after it emptied: listened on again.
    await call(first.client, 'join', ['den']);
    await until(async () => (await listeners('den')) === 1);
    await call(first.client, 'socketsLeave', { to: [first.id], rooms: ['den'] });
    await until(async () => (await listeners('den')) === 0);
  });

  it('listens on a connection’s own channel while it is open, on its instance alone', async () => {
    const one = await member(b);
    await until(async () => (await listeners(one.id)) === 1);
    await one.client.close();
    await until(async () => (await listeners(one.id)) === 0);
  });

  it('brings an instance none of the broadcasts to a room it has no member of', async () => {
    const a1 = await member(a, ['quiet']);
    const c1 = await member(c, ['quiet']);
    const b1 = await member(b, ['elsewhere']);
    await until(async () => (await listeners('quiet')) === 2);
    const [bBefore, cBefore] = await Promise.all([stats(b1), stats(c1)]);
    const count = 200;
    for (let i = 0; i < count; i++) {
      a1.client.send(`emit||0||${JSON.stringify({ to: ['quiet'], event: 'q', data: i })}`);
    }
    await until(() => framesOf(c1, 'q').length === count);
    const [bAfter, cAfter] = await Promise.all([stats(b1), stats(c1)]);
    // C received each broadcast; B only the heartbeats of the meantime (a few every 200 ms).
    expect(cAfter.received - cBefore.received).toBeGreaterThanOrEqual(count);
    expect(bAfter.received - bBefore.received).toBeLessThan(count / 4);
    expect(framesOf(b1, 'q')).toEqual([]);
  });

  it('brings a message to a socket id to the instance holding it, and to no other', async () => {
    const target = await member(a);
    const sender = await member(c);
    const bystander = await member(b);
    await until(async () => (await listeners(target.id)) === 1);
    const bBefore = (await stats(bystander)).received;
    const count = 100;
    for (let i = 0; i < count; i++) {
      sender.client.send(`emit||0||${JSON.stringify({ to: [target.id], event: 'dm', data: i })}`);
    }
    await until(() => framesOf(target, 'dm').length === count);
    expect((await stats(bystander)).received - bBefore).toBeLessThan(count / 4);
    expect(framesOf(bystander, 'dm')).toEqual([]);
    expect(framesOf(sender, 'dm')).toEqual([]);
  });

  it('writes a member of several target rooms once, on every instance, minus except', async () => {
    const sender = await member(a, ['x']);
    const both = await member(b, ['x', 'y']);
    const onlyY = await member(b, ['y']);
    const three = await member(c, ['y', 'z', 'x']);
    const muted = await member(c, ['z', 'mute']);
    await until(async () => (await listeners('y')) === 2 && (await listeners('z')) === 1);
    await call(sender.client, 'emit', { to: ['x', 'y', 'z', 'y'], except: ['mute'], event: 'm' });
    // A broadcast to everyone after it: once it arrived, any copy of the first would have too.
    await call(sender.client, 'emit', { event: 'end' });
    await Promise.all([both, onlyY, three, muted].map((one) => one.client.next('end||')));
    for (const one of [sender, both, onlyY, three]) expect(framesOf(one, 'm')).toHaveLength(1);
    expect(framesOf(muted, 'm')).toEqual([]);
  });
});
