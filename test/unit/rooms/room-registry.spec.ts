import { RoomRegistry } from '../../../src/rooms/room-registry.js';
import { fake, FakeSocket } from './fake-socket.js';

describe('RoomRegistry', () => {
  let registry: RoomRegistry;

  beforeEach(() => {
    registry = new RoomRegistry();
  });

  function connected() {
    const socket = FakeSocket.of();
    registry.connected(socket);
    return socket;
  }

  it('keeps membership both ways: room to sockets, socket to rooms', () => {
    const a = connected();
    const b = connected();
    registry.join(a, ['red', 'blue']);
    registry.join(b, ['blue']);
    expect([...registry.members('blue')!]).toEqual([a, b]);
    expect([...registry.roomsOf(a)]).toEqual(['red', 'blue']);
    expect(registry.roomNames().sort()).toEqual(['blue', 'red']);
    registry.leave(a, ['blue']);
    expect([...registry.members('blue')!]).toEqual([b]);
    expect([...registry.roomsOf(a)]).toEqual(['red']);
  });

  it('removes a room with its last member, and forgets a socket left with no room', () => {
    const a = connected();
    registry.join(a, ['red']);
    registry.leave(a, ['red']);
    expect(registry.members('red')).toBeUndefined();
    expect(registry.roomNames()).toEqual([]);
    expect(registry.roomsOf(a).size).toBe(0);
  });

  it('names each socket by its id as a room of one, never listed', () => {
    const a = connected();
    expect([...registry.members(a.id)!]).toEqual([a]);
    expect(registry.roomNames()).toEqual([]);
    expect(registry.roomSize(a.id)).toBe(0);
    expect(registry.members('nobody')).toBeUndefined();
  });

  it('clears rooms from both sides', () => {
    const a = connected();
    registry.join(a, ['red', 'blue']);
    registry.clear(['red']);
    expect([...registry.roomsOf(a)]).toEqual(['blue']);
    registry.clear(['blue']);
    expect(registry.roomsOf(a).size).toBe(0);
  });

  it('keeps the rooms until the disconnection is told, then drops socket and rooms', () => {
    const a = connected();
    registry.join(a, ['red']);
    registry.disconnected(a);
    expect(registry.get(a.id)).toBeUndefined();
    expect(registry.members('red')).toBeUndefined();
    expect(registry.socketCount).toBe(0);
  });

  it('tracks a socket it was never told of from its first join to its close', () => {
    const a = FakeSocket.of();
    registry.join(a, ['red']);
    expect(registry.get(a.id)).toBe(a);
    fake(a).end();
    expect(registry.get(a.id)).toBeUndefined();
    expect(registry.members('red')).toBeUndefined();
  });

  it('does not track a closed socket it was never told of', () => {
    const a = FakeSocket.of();
    fake(a).connected = false;
    registry.join(a, ['red']);
    expect(registry.get(a.id)).toBeUndefined();
    expect(registry.members('red')).toBeUndefined();
  });
});
