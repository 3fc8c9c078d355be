import { autoCodec, EtpFrameError, jsonCodec } from '../../../src/index.js';
import { BroadcastPayloads, checkEventName } from '../../../src/rooms/broadcast-payloads.js';
import { EtpBroadcastTooLargeError } from '../../../src/rooms/errors.js';

describe('BroadcastPayloads', () => {
  it('hands the payloads of one broadcast, per codec, to that broadcast once', () => {
    const payloads = new BroadcastPayloads();
    const data = { n: 1 };
    payloads.prepare('news', data, [autoCodec, jsonCodec], 1_000);
    expect(payloads.take('other', data)).toBeUndefined();
    expect(payloads.take('news', { n: 1 })).toBeUndefined(); // equal, not the same data
    const taken = payloads.take('news', data);
    expect([...taken!.values()]).toEqual(['{"n":1}', '{"n":1}']);
    expect(payloads.take('news', data)).toBeUndefined();
  });

  it('prepares nothing before a gateway is known, but still checks the event name', () => {
    const payloads = new BroadcastPayloads();
    payloads.prepare('news', 'x', [], 10);
    expect(payloads.take('news', 'x')).toBeUndefined();
    expect(() => payloads.prepare('a||b', 'x', [], 10)).toThrow(EtpFrameError);
  });

  it('measures the frame in bytes, right at the bound', () => {
    const payloads = new BroadcastPayloads();
    // 32 bytes of room for the frame's head: 'e' and a 967-byte payload make exactly 1000.
    expect(() => payloads.prepare('e', 'x'.repeat(967), [autoCodec], 1_000)).not.toThrow();
    expect(() => payloads.prepare('e', 'x'.repeat(968), [autoCodec], 1_000)).toThrow(
      EtpBroadcastTooLargeError,
    );
    expect(() => payloads.prepare('e', 'é'.repeat(484), [autoCodec], 1_000)).toThrow(
      /is 969 bytes, more than maxBufferedBytes \(1000\)/,
    );
    expect(() => payloads.prepare('e', new Uint8Array(968), [autoCodec], 1_000)).toThrow(
      EtpBroadcastTooLargeError,
    );
    expect(() => payloads.prepare('e', undefined, [autoCodec], 1)).not.toThrow();
  });

  it('lets the payload codec refuse data, before anything is kept', () => {
    const payloads = new BroadcastPayloads();
    expect(() => payloads.prepare('e', 10n, [jsonCodec], 1_000)).toThrow();
    expect(payloads.take('e', 10n)).toBeUndefined();
  });
});

describe('checkEventName', () => {
  it('refuses with the frame codec’s error what no frame can carry', () => {
    expect(() => checkEventName('typing||0||spoof')).toThrow(EtpFrameError);
    expect(() => checkEventName(12345)).toThrow(/must be a string, not number/);
    expect(() => checkEventName(undefined)).toThrow(EtpFrameError);
    expect(() => checkEventName('typing|')).not.toThrow();
  });
});
