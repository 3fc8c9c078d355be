import { ConsoleLogger, Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { EtpLocalRooms } from '../../../src/rooms/local-rooms.js';
import { RoomRegistry } from '../../../src/rooms/room-registry.js';
import { EtpRedisBroker, type EtpRedisBrokerOptions } from '../../../src/redis/index.js';
import { fake, FakeSocket } from '../../unit/rooms/fake-socket.js';
import { RedisServer } from '../../support/redis-server.js';
import { until } from './cluster.js';

/** A broker in this process, on a registry holding one fake socket in `room`. */
async function brokerWithSocket(options: EtpRedisBrokerOptions) {
  const registry = new RoomRegistry();
  const socket = FakeSocket.of();
  registry.connected(socket);
  registry.join(socket, ['room']);
  const broker = new EtpRedisBroker({ heartbeatInterval: 100, heartbeatTimeout: 500, ...options });
  broker.attach(new EtpLocalRooms(registry));
  await broker.init();
  return { broker, written: fake(socket).written };
}

describe('EtpRedisBroker options', () => {
  let redis: RedisServer;
  let admin: Redis;

  /** The connections Redis has, `admin` included. */
  async function connections(): Promise<number> {
    const list = (await admin.client('LIST')) as string;
    return list.trim().split('\n').length;
  }

  beforeAll(async () => {
    Logger.overrideLogger(false); // the outages here are on purpose
    redis = await RedisServer.start();
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    Logger.overrideLogger(new ConsoleLogger());
    await admin?.quit();
    await redis?.stop();
  });

  it('closes the connections it opened from a URL', async () => {
    const before = await connections();
    const { broker } = await brokerWithSocket({ url: redis.url });
    try {
      expect(await connections()).toBe(before + 2);
    } finally {
      await broker.close();
    }
    await until(async () => (await connections()) === before);
  });

  it('publishes on a given client and never closes it, only the duplicate it subscribes on', async () => {
    const client = new Redis(redis.url);
    await client.ping();
    const before = await connections();
    const { broker } = await brokerWithSocket({ client });
    try {
      expect(await connections()).toBe(before + 1);
    } finally {
      await broker.close();
    }
    await until(async () => (await connections()) === before);
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });

  it('waits at start until Redis answers', async () => {
    const late = await RedisServer.start();
    await late.stop();
    const registry = new RoomRegistry();
    const broker = new EtpRedisBroker({ url: late.url });
    broker.attach(new EtpLocalRooms(registry));
    let ready = false;
    const init = broker.init().then(() => (ready = true));
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(ready).toBe(false);
      await late.start();
      await init;
      expect(ready).toBe(true);
    } finally {
      await broker.close();
      await late.stop();
    }
  });

  it('prefixes its channels, so that two applications share one Redis unaware of each other', async () => {
    const spy = new Redis(redis.url);
    const channels = new Set<string>();
    spy.on('pmessage', (_pattern: string, channel: string) => channels.add(channel));
    await spy.psubscribe('*');
    const x = await brokerWithSocket({ url: redis.url, prefix: 'one' });
    const z = await brokerWithSocket({ url: redis.url, prefix: 'one' });
    const y = await brokerWithSocket({ url: redis.url, prefix: 'two' });
    try {
      await until(() => x.broker.instances === 2 && z.broker.instances === 2);
      expect(y.broker.instances).toBe(1);

      x.broker.publish({ rooms: ['room'], except: [] }, 'news', { at: new Date(0) });
      await until(() => z.written.length === 1);
      // The broker carries the other instances' part alone: the rooms service writes its own.
      expect(x.written).toEqual([]);
      // The payload crossed as it was (a Date), encoded by the receiving side.
      expect(z.written).toEqual(['news||0||{"at":"1970-01-01T00:00:00.000Z"}']);
      expect(y.written).toEqual([]);
      for (const channel of channels) expect(channel).toMatch(/^(one|two):/);
      expect(channels).toContain('one:room{:room}');
      expect(channels).not.toContain('two:room{:room}');
    } finally {
      await Promise.all([x, y, z].map(({ broker }) => broker.close()));
      await spy.quit();
    }
  });
});
