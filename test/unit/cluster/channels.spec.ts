import { channelsOf, copyTarget, publishedRooms } from '../../../src/cluster/channels.js';

describe('channels', () => {
  test('name a room’s channel under the prefix, and read the room back', () => {
    const channels = channelsOf('app', '0123456789abcdef');
    expect(channels.room('lobby')).toBe('app:room:lobby');
    expect(channels.roomOf('app:room:lobby')).toBe('lobby');
    expect(channels.roomOf('app:room:')).toBe('');
    expect(channels.roomOf(channels.broadcast)).toBeUndefined();
    expect(channels.roomOf('other:room:lobby')).toBeUndefined();
  });

  test('publish a broadcast once on each room it names, on none for everyone', () => {
    expect(publishedRooms({ rooms: undefined, except: [] })).toBeUndefined();
    expect(publishedRooms({ rooms: ['a', 'b', 'a'], except: [] })).toEqual(['a', 'b']);
  });

  test('bring each copy to its room’s members not in an earlier room, nor in except', () => {
    const target = { rooms: ['a', 'b', 'c'], except: ['x'] };
    expect(copyTarget(target, 'a')).toEqual({ rooms: ['a'], except: ['x'] });
    expect(copyTarget(target, 'c')).toEqual({ rooms: ['c'], except: ['x', 'a', 'b'] });
    expect(copyTarget(target, 'z')).toBeUndefined();
    expect(copyTarget({ rooms: undefined, except: [] }, 'a')).toBeUndefined();
  });
});
