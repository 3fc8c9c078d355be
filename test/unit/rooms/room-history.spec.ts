import type { EtpKeptBroadcast, EtpPosition } from '../../../src/rooms/etp-broker.js';
import { RoomHistories } from '../../../src/rooms/room-history.js';

const target = { rooms: ['r'], except: [] };

describe('RoomHistories', () => {
  let now: number;
  let held: Set<string>;
  const clock = () => now;

  function histories(maxMessages = 5, maxDisconnection = 1_000): RoomHistories {
    return new RoomHistories({ maxMessages, maxDisconnection }, (room) => held.has(room), clock);
  }

  function append(history: RoomHistories, room: string, data: unknown): EtpPosition {
    return history.append(room, { target, event: 'e', data }).position;
  }

  const offsets = (kept: readonly EtpKeptBroadcast[] | undefined) => kept?.map((one) => one.offset);

  beforeEach(() => {
    now = 1_000_000;
    held = new Set();
  });

  it('numbers each room 1, 2, 3 … under an epoch of its own, and says where it stands', () => {
    const history = histories();
    const start = history.slice('a', undefined)!;
    expect(start.position.offset).toBe(0);
    expect(start.position.epoch).toMatch(/^[0-9a-f]{32}$/);
    expect(start.kept).toEqual([]);
    expect(append(history, 'a', 1)).toEqual({ epoch: start.position.epoch, offset: 1 });
    expect(append(history, 'a', 2).offset).toBe(2);
    const b = append(history, 'b', 1);
    expect(b.offset).toBe(1);
    expect(b.epoch).not.toBe(start.position.epoch);
    expect(history.slice('a', undefined)).toEqual({
      position: { epoch: start.position.epoch, offset: 2 },
      kept: [],
    });
  });

  it('returns exactly what came after a position, oldest first, each as it was kept', () => {
    const history = histories();
    for (let i = 1; i <= 4; i++) append(history, 'a', i);
    const { epoch } = history.slice('a', undefined)!.position;
    const slice = history.slice('a', { epoch, offset: 1 })!;
    expect(slice.position).toEqual({ epoch, offset: 4 });
    expect(slice.kept.map((one) => one.data)).toEqual([2, 3, 4]);
    expect(slice.kept[0]).toEqual({ room: 'a', offset: 2, target, event: 'e', data: 2 });
    expect(history.slice('a', { epoch, offset: 4 })).toEqual({
      position: { epoch, offset: 4 },
      kept: [],
    });
    expect(offsets(history.slice('a', { epoch, offset: 0 })?.kept)).toEqual([1, 2, 3, 4]);
  });

  it('cannot say for a position of another epoch, or one in the future', () => {
    const history = histories();
    const { epoch } = append(history, 'a', 1);
    expect(history.slice('a', { epoch: 'other', offset: 1 })).toBeUndefined();
    expect(history.slice('a', { epoch, offset: 2 })).toBeUndefined();
  });

  it('keeps maxMessages per room: a position further behind is not recoverable', () => {
    const history = histories(5);
    let epoch = '';
    for (let i = 1; i <= 200; i++) epoch = append(history, 'a', i).epoch;
    expect(history.slice('a', { epoch, offset: 194 })).toBeUndefined();
    expect(offsets(history.slice('a', { epoch, offset: 195 })?.kept)).toEqual([
      196, 197, 198, 199, 200,
    ]);
  });

  it('keeps none older than maxDisconnection, read or appended', () => {
    const history = histories(100, 1_000);
    held.add('a'); // not forgotten for being quiet
    const { epoch } = append(history, 'a', 1);
    now += 600;
    append(history, 'a', 2);
    now += 500; // the first is 1,100 ms old, the second 500
    expect(history.slice('a', { epoch, offset: 0 })).toBeUndefined();
    expect(offsets(history.slice('a', { epoch, offset: 1 })?.kept)).toEqual([2]);
    now += 1_000;
    expect(history.slice('a', { epoch, offset: 1 })).toBeUndefined();
    // Nothing missed: still recoverable, with nothing to replay.
    expect(history.slice('a', { epoch, offset: 2 })).toEqual({
      position: { epoch, offset: 2 },
      kept: [],
    });
  });

  it('forgets rooms quiet and empty for maxDisconnection, and only those', () => {
    const history = histories(5, 1_000);
    const quiet = append(history, 'quiet', 1);
    const kept = append(history, 'held', 1);
    held.add('held');
    now += 2_000;
    append(history, 'busy', 1);
    expect(history.size).toBe(2);
    expect(history.slice('held', kept)).toEqual({ position: kept, kept: [] });
    // The quiet room starts again under a new epoch: its old positions are told apart.
    expect(history.slice('quiet', quiet)).toBeUndefined();
    expect(history.slice('quiet', undefined)!.position.epoch).not.toBe(quiet.epoch);
  });

  it('gives a room its members left maxDisconnection more', () => {
    const history = histories(5, 1_000);
    const position = append(history, 'a', 1);
    now += 900;
    history.left('a');
    now += 900;
    append(history, 'b', 1);
    expect(history.slice('a', position)).toEqual({ position, kept: [] });
  });

  it('holds a room’s memory to maxMessages entries however long it runs', () => {
    const history = histories(3, 1_000_000);
    for (let i = 1; i <= 10_000; i++) append(history, 'a', i);
    const { epoch } = history.slice('a', undefined)!.position;
    expect(offsets(history.slice('a', { epoch, offset: 9_997 })?.kept)).toEqual([
      9_998, 9_999, 10_000,
    ]);
    // Private, but the point of the test: the array behind it was compacted.
    const room = (history as unknown as { rooms: Map<string, { entries: unknown[] }> }).rooms.get(
      'a',
    )!;
    expect(room.entries.length).toBeLessThan(200);
  });
});
