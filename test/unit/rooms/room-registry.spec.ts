import { autoCodec, jsonCodec, type EtpSocket } from '../../../src/index.js';
import { EtpRoomLimitError, EtpRoomNameError } from '../../../src/rooms/errors.js';
import { DEFAULT_MAX_ROOMS_PER_SOCKET, RoomRegistry } from '../../../src/rooms/room-registry.js';
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

describe('RoomRegistry, trusting no name and no count', () => {
  const ID_SHAPED = '0123456789abcdef0123456789abcdef';

  it('refuses a room named like a socket id, joining none of the rooms asked', () => {
    const registry = new RoomRegistry();
    const a = FakeSocket.of();
    registry.connected(a);
    expect(() => registry.join(a, ['red', ID_SHAPED])).toThrow(EtpRoomNameError);
    expect(registry.roomsOf(a).size).toBe(0);
    expect(registry.roomNames()).toEqual([]);
    // Upper case is no id: ids are lower-case hex.
    registry.join(a, [ID_SHAPED.toUpperCase()]);
    expect(registry.roomSize(ID_SHAPED.toUpperCase())).toBe(1);
  });

  it('resolves a socket id to that socket alone, whatever room has that name', () => {
    const registry = new RoomRegistry();
    const victim = FakeSocket.of();
    const attacker = FakeSocket.of();
    registry.connected(victim);
    registry.connected(attacker);
    registry.join(attacker, [victim.id]); // a fake id has no id shape, so the join passes
    expect([...registry.members(victim.id)!]).toEqual([victim]);
  });

  it('refuses a join past maxRoomsPerSocket whole, and holds no more', () => {
    const registry = new RoomRegistry(3);
    const a = FakeSocket.of();
    registry.connected(a);
    registry.join(a, ['r1', 'r2']);
    expect(() => registry.join(a, ['r3', 'r4'])).toThrow(EtpRoomLimitError);
    expect([...registry.roomsOf(a)]).toEqual(['r1', 'r2']);
    expect(registry.roomNames().sort()).toEqual(['r1', 'r2']);
    // Rooms it is in already, or named twice, count once.
    registry.join(a, ['r1', 'r2', 'r3', 'r3']);
    expect(registry.roomsOf(a).size).toBe(3);
    expect(() => registry.join(a, ['r4'])).toThrow(/more than 3 rooms \(maxRoomsPerSocket\)/);
    expect(registry.roomSize('r4')).toBe(0);
  });

  it('keeps one socket at 10,000 rooms through 1,000,000 join attempts', () => {
    const registry = new RoomRegistry();
    const a = FakeSocket.of();
    registry.connected(a);
    let refused = 0;
    for (let i = 0; i < 1_000_000; i++) {
      try {
        registry.join(a, [`room-${i}`]);
      } catch (error) {
        if (!(error instanceof EtpRoomLimitError)) throw error;
        refused++;
      }
    }
    expect(DEFAULT_MAX_ROOMS_PER_SOCKET).toBe(10_000);
    expect(refused).toBe(990_000);
    expect(registry.roomsOf(a).size).toBe(10_000);
    expect(registry.roomNames()).toHaveLength(10_000);
  }, 120_000);

  it('refuses a bound below one', () => {
    expect(() => new RoomRegistry(0)).toThrow(/maxRoomsPerSocket/);
    expect(() => new RoomRegistry(Number.NaN)).toThrow(/maxRoomsPerSocket/);
  });
});

describe('RoomRegistry, from the moment a socket starts closing', () => {
  let registry: RoomRegistry;
  let a: EtpSocket;
  let b: EtpSocket;

  beforeEach(() => {
    registry = new RoomRegistry();
    a = FakeSocket.of();
    b = FakeSocket.of();
    registry.connected(a);
    registry.connected(b);
    registry.join(a, ['red', 'blue']);
    registry.join(b, ['red']);
  });

  it('takes it out of every room when told, keeping its rooms for handleDisconnect', () => {
    fake(a).connected = false;
    registry.closing(a);
    expect(registry.roomSize('red')).toBe(1);
    expect(registry.roomNames()).toEqual(['red']);
    expect(registry.get(a.id)).toBeUndefined();
    expect([...registry.all()]).toEqual([b]);
    expect([...registry.roomsOf(a)]).toEqual(['red', 'blue']);
    registry.join(a, ['green']); // no longer open: joins nothing
    expect(registry.roomSize('green')).toBe(0);
    registry.disconnected(a);
    expect(registry.roomsOf(a).size).toBe(0);
  });

  it('no longer counts nor lists one whose peer closed first', () => {
    fake(a).connected = false; // the peer's close frame: no event, only the state
    expect(registry.roomSize('red')).toBe(1);
    expect(registry.roomNames()).toEqual(['red']);
    expect(registry.get(a.id)).toBeUndefined();
    expect(registry.isMember(b)).toBe(true);
    expect([...registry.roomsOf(a)]).toEqual(['red', 'blue']);
  });
});

describe('RoomRegistry, what it learns of the gateways', () => {
  it('lists each gateway codec once and keeps the smallest maxBufferedBytes', () => {
    const registry = new RoomRegistry();
    expect(registry.codecs).toEqual([]);
    expect(registry.maxFrameBytes).toBe(Infinity);
    registry.connected(FakeSocket.of(autoCodec, { codec: autoCodec, maxBufferedBytes: 4096 }));
    registry.connected(FakeSocket.of(jsonCodec, { codec: jsonCodec, maxBufferedBytes: 1024 }));
    registry.connected(FakeSocket.of(jsonCodec, { codec: jsonCodec, maxBufferedBytes: 8192 }));
    expect(registry.codecs).toEqual([autoCodec, jsonCodec]);
    expect(registry.maxFrameBytes).toBe(1024);
  });
});

describe('RoomRegistry, telling a broker which names reach someone here', () => {
  let registry: RoomRegistry;
  let told: string[];

  beforeEach(() => {
    registry = new RoomRegistry();
    told = [];
    registry.observeRooms({
      appeared: (name) => told.push(`+${name}`),
      gone: (name) => told.push(`-${name}`),
    });
  });

  it('tells a room’s first member and its last, and nothing for the joins between', () => {
    const a = FakeSocket.of();
    const b = FakeSocket.of();
    registry.connected(a);
    registry.connected(b);
    told.length = 0;
    registry.join(a, ['red']);
    registry.join(b, ['red']);
    registry.join(b, ['red']);
    expect(told).toEqual(['+red']);
    registry.leave(a, ['red']);
    expect(told).toEqual(['+red']);
    registry.leave(b, ['red']);
    expect(told).toEqual(['+red', '-red']);
    expect(registry.has('red')).toBe(false);
  });

  it('tells a connection’s id while it is open, and its rooms going when it starts closing', () => {
    const a = FakeSocket.of();
    registry.connected(a);
    registry.join(a, ['red']);
    expect(told).toEqual([`+${a.id}`, '+red']);
    expect(registry.has(a.id) && registry.has('red')).toBe(true);
    registry.closing(a);
    expect(told.slice(2).sort()).toEqual([`-${a.id}`, '-red'].sort());
    expect(registry.has(a.id) || registry.has('red')).toBe(false);
  });

  it('tells the rooms a clear removes, and the names already here when it starts observing', () => {
    const a = FakeSocket.of();
    registry.connected(a);
    registry.join(a, ['red', 'blue']);
    registry.clear(['red']);
    expect(told).toContain('-red');
    const late = new RoomRegistry();
    const b = FakeSocket.of();
    late.connected(b);
    late.join(b, ['green']);
    const seen: string[] = [];
    late.observeRooms({ appeared: (name) => seen.push(name), gone: () => undefined });
    expect(seen).toEqual([b.id, 'green']);
  });
});
