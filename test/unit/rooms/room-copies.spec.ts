import { copyTarget, publishedRooms } from '../../../src/rooms/room-copies.js';

describe('room copies', () => {
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
