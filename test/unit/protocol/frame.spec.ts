import { readFileSync } from 'node:fs';
import { decodeFrame, encodeFrame, EtpFrameError } from '../../../src/index.js';

interface DecodeVector {
  frame: string;
  reference: { ok: boolean; name?: string; ackId: string; data: string | null };
  expected?: { ok: boolean; why: string };
}
interface EncodeVector {
  name: string;
  ackId: string;
  data: string | null;
  frame: string;
}

const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/etp-reference-vectors.json', import.meta.url), 'utf8'),
) as { decode: DecodeVector[]; encode: EncodeVector[] };

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const text = (frame: string | Uint8Array): string =>
  typeof frame === 'string' ? frame : Buffer.from(frame).toString('utf8');

describe('decodeFrame against the reference vectors', () => {
  const accepted = vectors.decode.filter((one) => (one.expected ?? one.reference).ok);
  const rejected = vectors.decode.filter((one) => !(one.expected ?? one.reference).ok);

  it('covers both outcomes', () => {
    expect(accepted.length).toBeGreaterThan(10);
    expect(rejected.length).toBeGreaterThan(5);
  });

  it.each(accepted.map((one) => [one.frame, one] as const))('decodes %j', (_frame, vector) => {
    const frame = decodeFrame(bytes(vector.frame));
    expect(frame.event).toBe(vector.reference.name ?? '');
    expect(String(frame.ackId)).toBe(vector.reference.ackId);
    if (vector.reference.data === null) {
      expect(frame.data).toBeNull();
    } else {
      expect(frame.data).not.toBeNull();
      expect(text(frame.data!)).toBe(vector.reference.data);
    }
  });

  it.each(rejected.map((one) => [one.frame, one] as const))('rejects %j', (_frame, vector) => {
    expect(() => decodeFrame(bytes(vector.frame))).toThrow(EtpFrameError);
  });

  it('reads a plain Uint8Array as well as a Buffer', () => {
    const frame = decodeFrame(new TextEncoder().encode('ünïcode名||4||данные'));
    expect(frame.event).toBe('ünïcode名');
    expect(frame.ackId).toBe(4);
    expect(new TextDecoder().decode(frame.data!)).toBe('данные');
  });

  it('keeps the data a view of the message, not a copy', () => {
    const message = bytes('ev||1||payload');
    const frame = decodeFrame(message);
    expect(frame.data!.buffer).toBe(message.buffer);
  });

  it('takes the largest exact id and refuses the next one', () => {
    expect(decodeFrame(bytes('a||9007199254740991')).ackId).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => decodeFrame(bytes('a||9007199254740992'))).toThrow(/2\^53-1/);
  });

  it('says what is wrong, with the start of the message', () => {
    expect(() => decodeFrame(bytes('hello'))).toThrow(
      'Malformed ETP frame: no "||" delimiter in the message ("hello")',
    );
    expect(() => decodeFrame(bytes('hello||abc||x'))).toThrow(/not an unsigned decimal number/);
    expect(() => decodeFrame(bytes('hello||'))).toThrow(/ack id is empty/);
  });
});

describe('encodeFrame against the reference vectors', () => {
  it.each(vectors.encode.map((one) => [one.frame, one] as const))('writes %j', (_frame, vector) => {
    expect(text(encodeFrame(vector.name, Number(vector.ackId), vector.data))).toBe(vector.frame);
  });

  it('writes bytes as one buffer and round-trips them', () => {
    const data = Uint8Array.from([0, 0xff, 0x7c, 0x7c, 1]);
    const frame = encodeFrame('bin', 3, data);
    expect(frame).toBeInstanceOf(Uint8Array);
    const decoded = decodeFrame(frame as Uint8Array);
    expect(decoded.event).toBe('bin');
    expect(decoded.ackId).toBe(3);
    expect([...decoded.data!]).toEqual([...data]);
  });

  it('writes no data part for empty bytes', () => {
    expect(encodeFrame('x', 1, new Uint8Array(0))).toBe('x||1');
  });
});
