import { randomBytes } from 'node:crypto';
import { hasSocketIdShape } from '../../../src/rooms/socket-id.js';

describe('hasSocketIdShape', () => {
  it('knows the shape of every socket id, and nothing else', () => {
    expect(hasSocketIdShape(randomBytes(16).toString('hex'))).toBe(true);
    expect(hasSocketIdShape('0123456789ABCDEF0123456789abcdef')).toBe(false);
    expect(hasSocketIdShape('0123456789abcdef0123456789abcde')).toBe(false);
    expect(hasSocketIdShape('0123456789abcdef0123456789abcdefa')).toBe(false);
    expect(hasSocketIdShape('g123456789abcdef0123456789abcdef')).toBe(false);
    expect(hasSocketIdShape('lobby')).toBe(false);
  });
});
