import { EtpInMemoryBroker } from '../../../src/rooms/in-memory-broker.js';
import { EtpLocalRooms } from '../../../src/rooms/local-rooms.js';
import { RoomRegistry } from '../../../src/rooms/room-registry.js';
import { fake, FakeSocket } from './fake-socket.js';

async function broker(recovery?: { maxMessages: number; maxDisconnection: number }) {
  const registry = new RoomRegistry();
  const [a, b, c] = [FakeSocket.of(), FakeSocket.of(), FakeSocket.of()];
  registry.join(a, ['a']);
  registry.join(b, ['a', 'b']);
  registry.join(c, ['b', 'mute']);
  const memory = new EtpInMemoryBroker();
  memory.attach(new EtpLocalRooms(registry));
  if (recovery !== undefined) memory.keepHistory(recovery);
  await memory.init();
  return { memory, registry, written: [a, b, c].map((one) => fake(one).written) };
}

describe('EtpInMemoryBroker', () => {
  test('keeps each room’s copy and writes it to the room’s members before returning', async () => {
    const { memory, written } = await broker({ maxMessages: 10, maxDisconnection: 60_000 });
    const target = { rooms: ['a', 'b'], except: ['mute'] };
    memory.publishKept('a', target, 'e', 1);
    expect(written).toEqual([['e||0||1'], ['e||0||1'], []]);
    // The copy of b leaves out a's members (they had a's) and except.
    memory.publishKept('b', target, 'e', 1);
    expect(written).toEqual([['e||0||1'], ['e||0||1'], []]);
    const a = (await memory.history('a', undefined))!;
    expect(a.position.offset).toBe(1);
    const b = (await memory.history('b', {
      epoch: (await memory.history('b', undefined))!.position.epoch,
      offset: 0,
    }))!;
    expect(b.kept).toEqual([
      {
        room: 'b',
        offset: 1,
        target: { rooms: ['b'], except: ['mute', 'a'] },
        event: 'e',
        data: 1,
      },
    ]);
    await memory.listening('a');
  });

  test('keeps nothing and writes nothing without recovery, nor for a room not in the target', async () => {
    const plain = await broker();
    plain.memory.publishKept('a', { rooms: ['a'], except: [] }, 'e', 1);
    expect(plain.written.flat()).toEqual([]);
    expect(await plain.memory.history('a', undefined)).toBeUndefined();
    const kept = await broker({ maxMessages: 10, maxDisconnection: 60_000 });
    kept.memory.publishKept('z', { rooms: ['a'], except: [] }, 'e', 1);
    expect(kept.written.flat()).toEqual([]);
    expect((await kept.memory.history('z', undefined))!.position.offset).toBe(0);
  });

  test('refuses recovery options that are no bounds', () => {
    expect(() =>
      new EtpInMemoryBroker().keepHistory({ maxMessages: 0, maxDisconnection: 1 }),
    ).toThrow(/maxMessages/);
  });
});
