import type {
  EtpHistorySlice,
  EtpKeptBroadcast,
  EtpPosition,
} from '../../../src/rooms/broker-types.js';
import { SocketRecovery, type HeldBroadcast } from '../../../src/rooms/socket-recovery.js';

const at = (offset: number): EtpPosition => ({ epoch: 'e1', offset });

function kept(room: string, offset: number): EtpKeptBroadcast {
  return { room, offset, target: { rooms: [room], except: [] }, event: 'tick', data: offset };
}

const held = (room: string, offset: number): HeldBroadcast => ({
  kept: kept(room, offset),
  position: at(offset),
});

function recovery(
  options: {
    recovered?: boolean;
    presented?: Array<[string, EtpPosition]>;
    slices?: Array<[string, EtpHistorySlice]>;
    maxHeld?: number;
  } = {},
): SocketRecovery {
  return new SocketRecovery(
    options.recovered ?? true,
    'previous-id',
    new Map(options.presented ?? []),
    new Map(options.slices ?? []),
    options.maxHeld ?? 3,
  );
}

describe('SocketRecovery', () => {
  test('a catch-up starts after what was read at the handshake', () => {
    const state = recovery({
      presented: [['lobby', at(4)]],
      slices: [['lobby', { position: at(6), kept: [kept('lobby', 5), kept('lobby', 6)] }]],
    });
    expect(state.start('lobby')).toEqual({
      presented: at(4),
      prefetched: [kept('lobby', 5), kept('lobby', 6)],
      since: at(6),
    });
  });

  test('where a room starts is taken once: a later join of the room starts afresh', () => {
    const state = recovery({ presented: [['lobby', at(4)]] });
    expect(state.start('lobby')).toEqual({ presented: at(4), prefetched: [], since: at(4) });
    expect(state.start('lobby')).toEqual({
      presented: undefined,
      prefetched: [],
      since: undefined,
    });
  });

  test('a client told recovered: false is not caught up from a position it presented', () => {
    const state = recovery({ recovered: false, presented: [['lobby', at(4)]] });
    expect(state.start('lobby').since).toBeUndefined();
  });

  test('holds live broadcasts of a room only while its catch-up runs, in order', () => {
    const state = recovery();
    state.hold(held('lobby', 1));
    expect(state.isHolding('lobby')).toBe(false);
    state.startHolding('lobby');
    expect(state.isHolding('lobby')).toBe(true);
    state.hold(held('lobby', 2));
    state.hold(held('other', 9));
    state.hold(held('lobby', 3));
    expect(state.stopHolding('lobby')).toEqual([held('lobby', 2), held('lobby', 3)]);
    expect(state.isHolding('lobby')).toBe(false);
  });

  test('more than maxHeld fails that room’s catch-up, and only that one', () => {
    const state = recovery({ maxHeld: 2 });
    state.startHolding('lobby');
    state.startHolding('quiet');
    for (let offset = 1; offset <= 3; offset++) state.hold(held('lobby', offset));
    state.hold(held('quiet', 1));
    expect(state.stopHolding('lobby')).toBeUndefined();
    expect(state.stopHolding('quiet')).toEqual([held('quiet', 1)]);
  });

  test('clear drops everything kept for the connection', () => {
    const state = recovery({ presented: [['lobby', at(4)]] });
    state.startHolding('lobby');
    state.hold(held('lobby', 5));
    state.clear();
    expect(state.isHolding('lobby')).toBe(false);
    expect(state.start('lobby').presented).toBeUndefined();
    expect(state.previousId).toBe('previous-id');
  });
});
