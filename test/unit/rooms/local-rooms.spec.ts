import { autoCodec, jsonCodec, type EtpPayloadCodec, type EtpSocket } from '../../../src/index.js';
import type { EtpKeptBroadcast } from '../../../src/rooms/broker-types.js';
import { EtpLocalRooms, type RecoveryStates } from '../../../src/rooms/local-rooms.js';
import { RoomRegistry } from '../../../src/rooms/room-registry.js';
import { SocketRecovery } from '../../../src/rooms/socket-recovery.js';
import { counting } from './counting-codec.js';
import { fake, FakeSocket } from './fake-socket.js';

const SOCKET_ID_SHAPED = '0123456789abcdef0123456789abcdef';

describe('EtpLocalRooms', () => {
  let registry: RoomRegistry;
  let local: EtpLocalRooms;

  beforeEach(() => {
    registry = new RoomRegistry(3);
    local = new EtpLocalRooms(registry);
  });

  function socket(
    rooms: string[] = [],
    codec?: EtpPayloadCodec,
    gateway?: { maxBufferedBytes?: number },
  ): EtpSocket {
    const one = FakeSocket.of(codec, gateway);
    registry.connected(one);
    registry.join(one, rooms);
    return one;
  }

  const written = (one: EtpSocket) => fake(one).written;
  const all = { rooms: undefined, except: [] };
  const to = (...rooms: string[]) => ({ rooms, except: [] });

  test('emit writes each member of the target once, and encodes once per codec', () => {
    const json = counting(jsonCodec);
    const a = socket(['red', 'blue'], json);
    const b = socket(['blue'], autoCodec);
    const c = socket(['red'], json);
    const d = socket(['green'], json);
    expect(local.emit(to('red', 'blue'), 'news', 'hi')).toBe(3);
    expect([a, b, c, d].map(written)).toEqual([
      ['news||0||"hi"'],
      ['news||0||hi'],
      ['news||0||"hi"'],
      [],
    ]);
    expect(json.count).toBe(1);
  });

  test('except leaves out the members of its rooms and sockets; no rooms means everyone', () => {
    const a = socket(['red']);
    const b = socket(['red', 'muted']);
    const c = socket([]);
    expect(local.emit({ rooms: undefined, except: ['muted', c.id] }, 'e', 1)).toBe(1);
    expect([a, b, c].map(written)).toEqual([['e||0||1'], [], []]);
    expect(local.emit(all, 'f', 2)).toBe(3);
  });

  test('a socket whose write fails is closing: it leaves its rooms and is no longer counted', () => {
    const a = socket(['red']);
    const b = socket(['red']);
    fake(b).connected = false;
    expect(local.emit(to('red'), 'e', 1)).toBe(1);
    expect(registry.members('red')?.has(b)).toBe(false);
    expect(local.sockets(to('red'))).toEqual([a]);
  });

  test('a frame larger than the smallest maxBufferedBytes of its gateways is written to nobody', () => {
    const a = socket(['red'], autoCodec, { maxBufferedBytes: 64 });
    expect(local.emit(to('red'), 'big', 'x'.repeat(100))).toBe(0);
    expect(written(a)).toEqual([]);
    expect(local.emit(to('red'), 'small', 'x')).toBe(1);
  });

  test('describe gives each member’s id and rooms', () => {
    const a = socket(['red', 'blue']);
    socket(['green']);
    expect(local.describe(to('red'))).toEqual([{ id: a.id, rooms: ['red', 'blue'] }]);
  });

  test('join skips names shaped like a socket id, and counts the members at their room limit', () => {
    const a = socket(['one']);
    const full = socket(['one', 'two', 'three']);
    expect(local.join(to('one'), ['extra', SOCKET_ID_SHAPED])).toBe(1);
    expect([...registry.roomsOf(a)]).toEqual(['one', 'extra']);
    expect([...registry.roomsOf(full)]).toEqual(['one', 'two', 'three']);
    expect(registry.members(SOCKET_ID_SHAPED)).toBeUndefined();
  });

  test('leave and disconnect act on the target’s members only', () => {
    const a = socket(['red', 'blue']);
    const b = socket(['blue']);
    local.leave(to('red'), ['blue']);
    expect([...registry.roomsOf(a)]).toEqual(['red']);
    expect([...registry.roomsOf(b)]).toEqual(['blue']);
    local.disconnect(to('blue'), 4000, 'bye');
    expect(fake(a).closes).toEqual([]);
    expect(fake(b).closes).toEqual([{ code: 4000, reason: 'bye' }]);
  });

  test('requestAcks asks each member, and hands over answers, misses and closed members', async () => {
    const answering = socket(['red']);
    const late = socket(['red']);
    const closed = socket(['red']);
    fake(late).reply = 'timeout';
    fake(closed).reply = 'closed';
    const seen: unknown[] = [];
    const asked = local.requestAcks(to('red'), 'vote', 'q', 1_000, {
      answer: (value) => seen.push(['answer', value]),
      miss: () => seen.push(['miss']),
      gone: () => seen.push(['gone']),
    });
    expect(asked).toBe(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([['answer', 'ok'], ['miss'], ['gone']]);
    expect(fake(answering).asked).toEqual(['q']);
  });

  test('a member whose codec cannot encode the data is a miss, not a throw', () => {
    const refusing: EtpPayloadCodec = {
      name: 'refusing',
      decode: () => undefined,
      encode: () => {
        throw new Error('cannot');
      },
    };
    socket(['red'], refusing);
    const seen: string[] = [];
    const asked = local.requestAcks(to('red'), 'vote', 1, 1_000, {
      answer: () => seen.push('answer'),
      miss: () => seen.push('miss'),
      gone: () => seen.push('gone'),
    });
    expect(asked).toBe(1);
    expect(seen).toEqual(['miss']);
  });

  describe('deliverKept', () => {
    const kept = (offset: number): EtpKeptBroadcast => ({
      room: 'red',
      offset,
      target: to('red'),
      event: 'tick',
      data: offset,
    });

    test('writes the plain frame to a member that did not ask for recovery, and counts it', () => {
      const a = socket(['red']);
      const before = local.keptWrites;
      expect(local.deliverKept(kept(1), { epoch: 'e', offset: 1 })).toBe(1);
      expect(written(a)).toEqual(['tick||0||1']);
      expect(local.keptWrites - before).toBe(1);
    });

    test('wraps it with its position for a member that asked, and holds it during a catch-up', () => {
      const plain = socket(['red']);
      const asked = socket(['red']);
      const catching = socket(['red']);
      const states = new Map<EtpSocket, SocketRecovery>([
        [asked, new SocketRecovery(true, undefined, new Map(), new Map(), 10)],
        [catching, new SocketRecovery(true, undefined, new Map(), new Map(), 10)],
      ]);
      states.get(catching)!.startHolding('red');
      const recovery: RecoveryStates = { stateOf: (one) => states.get(one) };
      local.recovery = recovery;

      expect(local.deliverKept(kept(7), { epoch: 'e', offset: 7 })).toBe(2);
      expect(written(plain)).toEqual(['tick||0||7']);
      expect(written(asked)).toHaveLength(1);
      expect(written(asked)[0]).not.toBe('tick||0||7');
      expect(written(asked)[0]).toContain('tick||0||7');
      expect(written(catching)).toEqual([]);
      expect(states.get(catching)!.stopHolding('red')).toEqual([
        { kept: kept(7), position: { epoch: 'e', offset: 7 } },
      ]);
    });

    test('leaves out the target’s except, and a member whose write fails is closing', () => {
      const a = socket(['red']);
      const muted = socket(['red', 'muted']);
      const gone = socket(['red']);
      fake(gone).connected = false;
      const target = { rooms: ['red'], except: ['muted'] };
      expect(local.deliverKept({ ...kept(2), target }, { epoch: 'e', offset: 2 })).toBe(1);
      expect([a, muted].map(written)).toEqual([['tick||0||2'], []]);
      expect(registry.members('red')?.has(gone)).toBe(false);
    });

    test('a copy too large for the gateways is written to nobody, and encoded once per codec', () => {
      const json = counting(jsonCodec);
      socket(['red'], json, { maxBufferedBytes: 64 });
      socket(['red'], json, { maxBufferedBytes: 64 });
      const big = { ...kept(3), data: 'x'.repeat(100) };
      expect(local.deliverKept(big, { epoch: 'e', offset: 3 })).toBe(0);
      expect(json.count).toBe(1);
      expect(local.keptWrites).toBe(0);
    });
  });
});
