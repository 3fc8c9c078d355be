import { randomBytes } from 'node:crypto';
import { base64urlDecode, base64urlEncode } from '../../../src/protocol/base64url.js';

describe('base64url', () => {
  it('writes what Node writes, for every length remainder', () => {
    for (let length = 0; length < 64; length++) {
      const bytes = randomBytes(length);
      expect(base64urlEncode(bytes)).toBe(bytes.toString('base64url'));
    }
  });

  it('reads back what it wrote, every byte value included', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (let length = 0; length <= all.length; length += 17) {
      const bytes = all.subarray(0, length);
      expect(base64urlDecode(base64urlEncode(bytes))).toEqual(bytes);
    }
    expect(base64urlDecode('')).toEqual(new Uint8Array(0));
  });

  it('refuses the other alphabet, padding, spaces and characters beyond ASCII', () => {
    const canonical = Buffer.from([0xfb, 0xff, 0xbf]).toString('base64url');
    expect(canonical).toBe('-_-_');
    expect(base64urlDecode(canonical)).toEqual(new Uint8Array([0xfb, 0xff, 0xbf]));
    for (const hostile of ['+/+/', 'YQ==', 'YWI=', 'YW I', 'YW\nI', 'YWé', 'YW\u0100', 'Y%41']) {
      expect(base64urlDecode(hostile)).toBeUndefined();
    }
  });

  it('refuses a length no byte count gives, and stray bits in the last character', () => {
    expect(base64urlDecode('Y')).toBeUndefined();
    expect(base64urlDecode('YWJjZ')).toBeUndefined();
    // 'YQ' is 'a'; 'YR' carries the same byte with a bit set that no encoder writes.
    expect(base64urlDecode('YQ')).toEqual(new Uint8Array([0x61]));
    expect(base64urlDecode('YR')).toBeUndefined();
    expect(base64urlDecode('YWJ')).toBeUndefined();
    expect(base64urlDecode('YWI')).toEqual(new Uint8Array([0x61, 0x62]));
  });
});
