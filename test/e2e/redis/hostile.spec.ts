import { serialize } from 'node:v8';
import { Control } from '../../../src/cluster/messages.js';
import { CHUNK_BYTES, MAX_PEER_ACK_REQUESTS, MAX_PEERS } from '../../../src/cluster/limits.js';
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
import { Forger, FORGER } from './forge.js';

const SETUP_TIMEOUT = 60_000;
const KEY = 'a secret the instances share';

interface Stats {
  instances: number;
  id: string;
  dropped: Record<string, number>;
  lost: number;
  heapUsed: number;
}

const stats = (member: Member) => call<Stats>(member.client, 'stats');
/** The stats, or nothing while the instance is too busy with a flood to answer in time. */
const statsIfFree = (member: Member) => stats(member).catch(() => undefined);
const alive = (instance: Instance) =>
  instance.child.exitCode === null && instance.child.signalCode === null;
const everyone = { rooms: undefined, except: [] };

describe('EtpRedisBroker under messages nobody should have sent', () => {
  let redis: RedisServer;
  let entry: string;
  let open: Instance[];
  let signed: Instance[];
  const members: Member[] = [];
  const forgers: Forger[] = [];

  async function member(instance: Instance, rooms: string[] = []): Promise<Member> {
    const one = await connect(instance, rooms);
    members.push(one);
    return one;
  }

  /** A member of 'room' on each instance of a pair, once the two know each other. */
  async function roomPair([a, b]: Instance[]): Promise<[Member, Member]> {
    const a1 = await member(a, ['room']);
    const b1 = await member(b, ['room']);
    await until(async () => (await stats(a1)).instances === 2);
    return [a1, b1];
  }

  function forger(prefix: string): Forger {
    const one = new Forger(redis.url, prefix);
    forgers.push(one);
    return one;
  }

  /** Resolves once a real broadcast from `from` reached `to`: the cluster still works. */
  async function stillBroadcasts(from: Member, to: Member): Promise<void> {
    const mark = `real${Math.random().toString(36).slice(2)}`;
    await call(from.client, 'emit', { to: ['room'], event: mark, data: 1 });
    expect(await to.client.next(`${mark}||`)).toBe(`${mark}||0||1`);
  }

  beforeAll(async () => {
    [redis, entry] = await Promise.all([RedisServer.start(), compileInstanceApp('redis-hostile')]);
    [open, signed] = await Promise.all([
      startInstances(entry, ['open-a', 'open-b'], redis.url, 'open'),
      startInstances(entry, ['signed-a', 'signed-b'], redis.url, 'signed', { SIGNING_KEY: KEY }),
    ]);
  }, SETUP_TIMEOUT);

  afterEach(async () => {
    await Promise.all(members.splice(0).map((one) => one.client.close()));
    await Promise.all(forgers.splice(0).map((one) => one.close()));
  });

  afterAll(async () => {
    await Promise.all([...(open ?? []), ...(signed ?? [])].map((instance) => instance.stop()));
    await redis?.stop();
  });

  it('lives through each of the eight messages that ended instances, and counts each dropped', async () => {
    const [a, b] = open;
    const [a1, b1] = await roomPair(open);
    const before = (await stats(a1)).dropped;
    const forge = forger('open');
    const broadcast = { from: FORGER, seq: 1, event: 'x', data: 1, rooms: ['room'], except: [] };
    await forge.publish('broadcast', [
      forge.seal(null),
      forge.seal({ ...broadcast, except: undefined }),
      forge.seal({ ...broadcast, rooms: 12345 }),
      forge.seal({ ...broadcast, event: 42 }),
      forge.seal({ ...broadcast, event: 'a||b' }),
      forge.seal({ ...broadcast, seq: 2, event: 'big', data: 12n }),
    ]);
    await forge.publish('control', [
      forge.seal({ kind: Control.FetchSockets, from: FORGER, request: 1 }),
    ]);
    await forge.publish(forge.replies((await stats(a1)).id), [forge.seal(null)]);
    // And bytes that are no envelope at all, on each channel.
    await forge.publish('broadcast', [serialize(null)]);
    await forge.publish('control', [serialize({ kind: 'x' })]);

    await until(async () => {
      const { dropped } = await stats(a1);
      return (
        (dropped.shape ?? 0) - (before.shape ?? 0) === 7 &&
        (dropped.failed ?? 0) - (before.failed ?? 0) === 1
      );
    });
    const { dropped } = await stats(a1);
    expect((dropped.unreadable ?? 0) - (before.unreadable ?? 0)).toBe(2);
    expect(alive(a) && alive(b)).toBe(true);
    await stillBroadcasts(b1, a1);
    expect(a1.client.received.filter((frame) => /^(x|big|a)\|\|/.test(frame))).toEqual([]);
    // A few lines for ten bad messages, and a sum of the rest.
    expect(
      a.output().match(/Dropped a message from another instance/g)!.length,
    ).toBeLessThanOrEqual(5);
  });

  it('refuses to publish an event the frame codec refuses, so no other instance sees it', async () => {
    const [a, b] = open;
    const [a1, b1] = await roomPair(open);
    // A handler relays what a client named its event, without an ack.
    a1.client.send(
      `emit||0||${JSON.stringify({ to: ['room'], event: 'typing||0||spoof', data: 1 })}`,
    );
    await stillBroadcasts(a1, b1);
    expect(b1.client.received.filter((frame) => frame.startsWith('typing'))).toEqual([]);
    expect(alive(a) && alive(b)).toBe(true);
  });

  it('without a key, bounds what forged requests and heartbeats can make it hold', async () => {
    const [a, b] = open;
    const [a1, b1] = await roomPair(open); // a1 never answers
    const { dropped, heapUsed } = await stats(a1);
    const before = dropped.overload ?? 0;
    const forge = forger('open');
    await forge.publish('control', forge.acks(20_000));
    await until(
      async () =>
        ((await statsIfFree(a1))?.dropped.overload ?? 0) - before ===
        20_000 - MAX_PEER_ACK_REQUESTS,
      30_000,
    );
    process.stdout.write(
      `20,000 forged emitWithAck: heap ${(((await stats(a1)).heapUsed - heapUsed) / 2 ** 20).toFixed(1)} MiB more\n`,
    );
    // Only the requests it runs at once reached the member; the others were refused.
    await until(
      () =>
        a1.client.received.filter((frame) => frame.startsWith('vote||')).length ===
        MAX_PEER_ACK_REQUESTS,
    );

    await forge.publish('control', forge.heartbeats(1_000));
    await until(async () => (await statsIfFree(a1))?.instances === MAX_PEERS + 1, 30_000);
    expect(alive(a) && alive(b)).toBe(true);
    // The made-up instances go once silent; the real one stays.
    await until(async () => (await statsIfFree(a1))?.instances === 2, 30_000);
    await stillBroadcasts(b1, a1);
  }, 120_000);

  it('with a key, drops every forged message: rooms, sockets, presence and requests untouched', async () => {
    const [a, b] = signed;
    const [a1, b1] = await roomPair(signed);
    const forge = forger('signed');
    const broadcast = {
      from: FORGER,
      seq: 1,
      event: 'forged',
      data: 1,
      rooms: undefined,
      except: [],
    };
    const disconnect = {
      kind: Control.DisconnectSockets,
      from: FORGER,
      request: 1,
      target: everyone,
      code: 4003,
    };
    await forge.publish('broadcast', [
      forge.seal(broadcast),
      forge.seal(broadcast, FORGER, 'a guessed key'),
    ]);
    await forge.publish('control', [
      forge.seal(disconnect),
      ...forge.acks(20_000),
      ...forge.heartbeats(1_000),
    ]);

    await until(
      async () => (await statsIfFree(a1))?.dropped.unsigned === 1 + 1 + 20_000 + 1_000,
      30_000,
    );
    const after = await stats(a1);
    expect(after.dropped.bad_signature).toBe(1);
    expect(after.instances).toBe(2);
    const found = await call<Array<{ id: string }>>(a1.client, 'fetch', {});
    expect(found.map((socket) => socket.id).sort()).toEqual([a1.id, b1.id].sort());
    await stillBroadcasts(b1, a1);
    expect(a1.client.closeCode).toBeUndefined();
    expect(a1.client.received.filter((frame) => /^(forged|vote)\|\|/.test(frame))).toEqual([]);
    expect(alive(a) && alive(b)).toBe(true);
  }, 60_000);

  it('with a key, drops a signed broadcast published again as it was', async () => {
    const [a1, b1] = await roomPair(signed);
    const spy = forger('signed');
    const captured = await spy.capture(spy.room('room'));
    await call(b1.client, 'emit', { to: ['room'], event: 'once', data: 1 });
    await a1.client.next('once||');
    await until(() => captured.length === 1);

    const before = (await stats(a1)).dropped.replayed ?? 0;
    await spy.publish(spy.room('room'), [captured[0]]);
    await until(async () => (await stats(a1)).dropped.replayed === before + 1);
    await stillBroadcasts(b1, a1);
    expect(a1.client.received.filter((frame) => frame.startsWith('once||'))).toEqual([]);
  });

  it('fetches sockets across instances exactly when the reply takes several chunks', async () => {
    const [a, b] = signed;
    const a1 = await member(a, ['room']);
    const rooms = Array.from({ length: 400 }, (_, i) => `a room with a long name, number ${i}`);
    const many = await Promise.all(Array.from({ length: 100 }, () => member(b)));
    await Promise.all(many.map((one) => call(one.client, 'join', rooms)));
    const expected = many.map((one) => ({ id: one.id, rooms: [...rooms].sort() }));
    // What one instance replies is over one chunk.
    expect(serialize(expected).length).toBeGreaterThan(CHUNK_BYTES);

    // Every message on the reply channels, as Redis hands them out.
    const spy = forger('signed').redis;
    const sizes: number[] = [];
    spy.on('pmessageBuffer', (_: Buffer, __: Buffer, message: Buffer) =>
      sizes.push(message.length),
    );
    await spy.psubscribe('signed:reply:*');

    const found = await call<Array<{ id: string; rooms: string[] }>>(a1.client, 'fetch', {});
    const remote = found.filter((socket) => socket.id !== a1.id);
    expect(remote.sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual(
      expected.sort((x, y) => (x.id < y.id ? -1 : 1)),
    );
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(CHUNK_BYTES + 1_024);
  }, 60_000);
});
