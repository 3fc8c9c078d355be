import {
  autoCodec,
  binaryCodec,
  EtpCodecs,
  jsonCodec,
  textCodec,
  type EtpPayloadCodec,
} from '../../../src/index.js';
import { resolveCodec } from '../../../src/protocol/codec.js';

const b = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('auto codec (the default)', () => {
  it('puts a string on the wire exactly as it is', () => {
    expect(autoCodec.encode('hello handled')).toBe('hello handled');
  });

  it('sends objects, numbers and booleans as JSON', () => {
    expect(autoCodec.encode({ a: 1 })).toBe('{"a":1}');
    expect(autoCodec.encode([1, 'x'])).toBe('[1,"x"]');
    expect(autoCodec.encode(42)).toBe('42');
    expect(autoCodec.encode(false)).toBe('false');
  });

  it('writes no data for undefined and null', () => {
    expect(autoCodec.encode(undefined)).toBeUndefined();
    expect(autoCodec.encode(null)).toBeUndefined();
  });

  it('passes bytes through', () => {
    const data = Buffer.from([1, 2, 3]);
    expect(autoCodec.encode(data)).toBe(data);
  });

  it('decodes JSON documents to values and other bytes to text', () => {
    expect(autoCodec.decode(b('{"a":1}'))).toEqual({ a: 1 });
    expect(autoCodec.decode(b('[1,2]'))).toEqual([1, 2]);
    expect(autoCodec.decode(b('"str"'))).toBe('str');
    expect(autoCodec.decode(b('-3.5'))).toBe(-3.5);
    expect(autoCodec.decode(b('null'))).toBeNull();
    expect(autoCodec.decode(b('true'))).toBe(true);
    expect(autoCodec.decode(b('fire and forget'))).toBe('fire and forget');
    expect(autoCodec.decode(b('{not json'))).toBe('{not json');
    expect(autoCodec.decode(b('данные'))).toBe('данные');
  });

  it('decodes no data to undefined', () => {
    expect(autoCodec.decode(null)).toBeUndefined();
    expect(autoCodec.decode(b(''))).toBeUndefined();
  });
});

describe('json codec (strict)', () => {
  it('always writes a JSON data part', () => {
    expect(jsonCodec.encode('hi')).toBe('"hi"');
    expect(jsonCodec.encode(undefined)).toBe('null');
    expect(jsonCodec.encode(null)).toBe('null');
    expect(jsonCodec.encode({ a: [1] })).toBe('{"a":[1]}');
  });

  it('refuses data that is not JSON', () => {
    expect(() => jsonCodec.decode(b('fire and forget'))).toThrow(SyntaxError);
    expect(jsonCodec.decode(b('"x"'))).toBe('x');
    expect(jsonCodec.decode(null)).toBeUndefined();
  });
});

describe('text codec', () => {
  it('hands over text, never parsed', () => {
    expect(textCodec.decode(b('{"a":1}'))).toBe('{"a":1}');
    expect(textCodec.decode(b('42'))).toBe('42');
    expect(textCodec.decode(null)).toBe('');
    expect(textCodec.encode('plain')).toBe('plain');
  });
});

describe('binary codec', () => {
  it('hands over the bytes as a Buffer', () => {
    const decoded = binaryCodec.decode(Buffer.from([0, 255])) as Buffer;
    expect(Buffer.isBuffer(decoded)).toBe(true);
    expect([...decoded]).toEqual([0, 255]);
    expect((binaryCodec.decode(null) as Buffer).length).toBe(0);
  });

  it('writes strings as UTF-8 bytes, so the frame goes out as a binary message', () => {
    const encoded = binaryCodec.encode('é') as Uint8Array;
    expect(encoded).toBeInstanceOf(Uint8Array);
    expect([...encoded]).toEqual([0xc3, 0xa9]);
  });
});

describe('resolveCodec', () => {
  it('knows the codecs by name and defaults to auto', () => {
    expect(resolveCodec(undefined)).toBe(autoCodec);
    expect(resolveCodec('json')).toBe(EtpCodecs.json);
  });

  it('takes a custom codec and refuses what is not one', () => {
    const upper: EtpPayloadCodec = {
      name: 'upper',
      decode: (data) => (data === null ? '' : Buffer.from(data).toString().toUpperCase()),
      encode: (value) => String(value).toUpperCase(),
    };
    expect(resolveCodec(upper)).toBe(upper);
    expect(() => resolveCodec('xml' as never)).toThrow(/Unknown ETP codec "xml"/);
    expect(() => resolveCodec({ name: 'broken' } as never)).toThrow(/decode\(data\) and encode/);
  });
});
