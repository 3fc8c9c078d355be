import type { EtpSocket } from '../../../src/index.js';
import { EtpRedisBroker } from '../../../src/redis/etp-redis-broker.js';
import { EtpLocalRooms } from '../../../src/rooms/local-rooms.js';
import { RoomRegistry } from '../../../src/rooms/room-registry.js';
import { RedisServer } from '../../support/redis-server.js';
import { fake, FakeSocket } from '../rooms/fake-socket.js';

/** One instance: a broker over the test's redis-server and the rooms it serves. */
function instance(url: string): { broker: EtpRedisBroker; registry: RoomRegistry } {
  const registry = new RoomRegistry();
  const broker = new EtpRedisBroker({ url, prefix: 'unit', heartbeatInterval: 100 });
  broker.attach(new EtpLocalRooms(registry));
  return { broker, registry };
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('timed out');
}

describe('EtpRedisBroker', () => {
  let server: RedisServer;
  const opened: EtpRedisBroker[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((broker) => broker.close()));
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function started(): Promise<{ broker: EtpRedisBroker; registry: RoomRegistry }> {
    const one = instance(server.url);
    opened.push(one.broker);
    await one.broker.init();
    return one;
  }

  test('is connected once init resolves, and carries a broadcast to another instance', async () => {
    const a = await started();
    const b = await started();
    expect(a.broker.isConnected()).toBe(true);
    const member = FakeSocket.of();
    b.registry.connected(member);
    b.registry.join(member, ['lobby']);
    await b.broker.listening('lobby');
    a.broker.publish({ rooms: ['lobby'], except: [] }, 'news', { n: 1 });
    await until(() => fake(member).written.length > 0);
    expect(fake(member).written).toEqual(['news||0||{"n":1}']);
  });

  test('finds the other instances’ members', async () => {
    const a = await started();
    const b = await started();
    const member: EtpSocket = FakeSocket.of();
    b.registry.connected(member);
    b.registry.join(member, ['lobby']);
    await until(async () => a.broker.instances === 2);
    expect(await a.broker.fetchRemoteSockets({ rooms: ['lobby'], except: [] })).toEqual([
      { id: member.id, rooms: ['lobby'] },
    ]);
  });

  test('an unreachable Redis leaves it not connected, and close still ends', async () => {
    const broker = new EtpRedisBroker({ url: 'redis://127.0.0.1:1' });
    broker.attach(new EtpLocalRooms(new RoomRegistry()));
    expect(broker.isConnected()).toBe(false);
    await broker.close();
  });
});
