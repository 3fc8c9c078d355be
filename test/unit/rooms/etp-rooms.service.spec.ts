import type { EtpSocket } from '../../../src/index.js';
import { EtpInMemoryBroker } from '../../../src/rooms/in-memory-broker.js';
import { EtpRoomsService } from '../../../src/rooms/etp-rooms.service.js';
import type { EtpBroker } from '../../../src/rooms/etp-broker.js';
import { fake, FakeSocket } from './fake-socket.js';

/** An in-memory broker that records its lifecycle calls. */
class RecordingBroker extends EtpInMemoryBroker {
  readonly calls: string[] = [];

  override async init(): Promise<void> {
    this.calls.push('init');
    await super.init();
  }

  override async close(): Promise<void> {
    this.calls.push('close');
  }
}

describe('EtpRoomsService', () => {
  function connected(rooms: EtpRoomsService, names: string[] = []): EtpSocket {
    const socket = FakeSocket.of();
    rooms.registry.connected(socket);
    rooms.join(socket, ...names);
    return socket;
  }

  test('without a broker it works in one process, in memory', async () => {
    const rooms = new EtpRoomsService();
    await rooms.onModuleInit();
    const a = connected(rooms, ['red']);
    const b = connected(rooms, ['red', 'blue']);
    expect(rooms.to('red').except('blue').emit('news', 1)).toBe(1);
    expect(fake(a).written).toEqual(['news||0||1']);
    expect(fake(b).written).toEqual([]);
    await rooms.onApplicationShutdown();
  });

  test('runs its broker’s init at module init and close at shutdown, once each', async () => {
    const broker = new RecordingBroker();
    const rooms = new EtpRoomsService(broker);
    await rooms.onModuleInit();
    await rooms.onApplicationShutdown();
    expect(broker.calls).toEqual(['init', 'close']);
  });

  test('membership: join, size, list, socketsOf, leave one room or all, clear', () => {
    const rooms = new EtpRoomsService();
    const a = connected(rooms, ['red', 'blue']);
    const b = connected(rooms, ['red']);
    expect(rooms.size('red')).toBe(2);
    expect(rooms.list().sort()).toEqual(['blue', 'red']);
    expect(rooms.socketsOf('blue')).toEqual([a]);
    expect(rooms.socketsOf()).toEqual([]);
    rooms.leave(a, 'red');
    expect(rooms.size('red')).toBe(1);
    rooms.leave(b.id);
    expect(rooms.size('red')).toBe(0);
    rooms.leave('no-such-id', 'blue');
    rooms.clear('blue');
    expect(rooms.list()).toEqual([]);
    expect(rooms.get(a.id)).toBe(a);
    expect(rooms.allSockets()).toEqual([a, b]);
  });

  test('emit and fetchSockets with no target reach every connection', async () => {
    const rooms = new EtpRoomsService();
    const a = connected(rooms, ['red']);
    const b = connected(rooms);
    expect(rooms.emit('hello', 'all')).toBe(2);
    expect([a, b].map((one) => fake(one).written)).toEqual([['hello||0||all'], ['hello||0||all']]);
    expect((await rooms.fetchSockets()).map((one) => one.id)).toEqual([a.id, b.id]);
    expect(rooms.all().except(a).emit('x', 1)).toBe(1);
  });

  test('maxRoomsPerSocket from the module options bounds each connection', () => {
    const rooms = new EtpRoomsService(undefined, { maxRoomsPerSocket: 1 });
    const a = connected(rooms, ['one']);
    expect(() => rooms.join(a, 'two')).toThrow(/more than 1 rooms/);
  });

  test('recovery needs a broker that keeps history, and checks its options', () => {
    const bare = { attach: () => undefined } as unknown as EtpBroker;
    expect(
      () => new EtpRoomsService(bare, { recovery: { maxDisconnection: 60_000, maxMessages: 10 } }),
    ).toThrow(/keeps history/);
    expect(
      () =>
        new EtpRoomsService(new EtpInMemoryBroker(), {
          recovery: { maxDisconnection: 60_000, maxMessages: 1_000_000 },
        }),
    ).toThrow(/maxMessages/);
  });
});
