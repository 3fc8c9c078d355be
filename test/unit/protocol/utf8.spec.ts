import { isBytes, utf8Decode, utf8Encode } from '../../../src/protocol/utf8.js';

describe('utf8', () => {
  test('encodes and decodes text of any script, and a Buffer and a plain Uint8Array alike', () => {
    const text = 'héllo, мир, 世界, 🎉';
    const encoded = utf8Encode(text);
    expect(Buffer.from(encoded).toString('utf8')).toBe(text);
    expect(utf8Decode(encoded)).toBe(text);
    expect(utf8Decode(new Uint8Array(encoded))).toBe(text);
  });

  test('decodes a range of the bytes only', () => {
    const bytes = utf8Encode('event||7||data');
    expect(utf8Decode(bytes, 0, 5)).toBe('event');
    expect(utf8Decode(new Uint8Array(bytes), 7, 8)).toBe('7');
  });

  test('invalid UTF-8 decodes to replacement characters rather than throwing', () => {
    const invalid = new Uint8Array([0x61, 0xff, 0xfe, 0x62]);
    expect(utf8Decode(invalid)).toBe('a\uFFFD\uFFFDb');
    expect(utf8Decode(Buffer.from(invalid))).toBe('a\uFFFD\uFFFDb');
  });

  test('isBytes takes Uint8Array and Buffer, not strings, arrays or ArrayBuffers', () => {
    expect(isBytes(new Uint8Array(1))).toBe(true);
    expect(isBytes(Buffer.alloc(1))).toBe(true);
    expect(isBytes('bytes')).toBe(false);
    expect(isBytes([1, 2])).toBe(false);
    expect(isBytes(new ArrayBuffer(1))).toBe(false);
  });
});
