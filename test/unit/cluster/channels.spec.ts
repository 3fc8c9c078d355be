import { channelsOf } from '../../../src/cluster/channels.js';

describe('channels', () => {
  test('name a room’s channel under the prefix, and read the room back', () => {
    const channels = channelsOf('app', '0123456789abcdef');
    expect(channels.room('lobby')).toBe('app:room{:lobby}');
    expect(channels.roomOf('app:room{:lobby}')).toBe('lobby');
    expect(channels.roomOf('app:room{:}')).toBe('');
    expect(channels.roomOf(channels.room('a}b{c}'))).toBe('a}b{c}');
    expect(channels.roomOf(channels.broadcast)).toBeUndefined();
    expect(channels.roomOf('other:room{:lobby}')).toBeUndefined();
    expect(channels.roomOf('app:room{:lobby')).toBeUndefined();
  });

  test('put a room’s history keys in the slot of its channel: the same first {…}', () => {
    const channels = channelsOf('app', '0123456789abcdef');
    // Redis hashes what lies between the first { and the next }, or the whole name when empty.
    const tag = (name: string): string => {
      const open = name.indexOf('{');
      const close = open < 0 ? -1 : name.indexOf('}', open + 1);
      return close > open + 1 ? name.slice(open + 1, close) : name;
    };
    for (const room of ['lobby', 'a}b', '{x}', '', '}x', '}']) {
      const keys = channels.history(room);
      expect(keys.channel).toBe(channels.room(room));
      expect(tag(keys.entries)).toBe(tag(keys.channel));
      expect(tag(keys.meta)).toBe(tag(keys.channel));
      expect(tag(keys.channel).startsWith(':')).toBe(true);
      expect(keys.entries).not.toBe(keys.meta);
    }
  });

  test('refuse a prefix with a brace, which would move the slot of every key', () => {
    expect(() => channelsOf('a{b}', '0123456789abcdef')).toThrow(/brace/);
  });
});
