import {
  Control,
  decodeMessage,
  encodeMessage,
  senderOf,
  type BroadcastMessage,
  type ControlMessage,
} from '../../../src/redis/messages.js';

describe('messages between instances', () => {
  test('carry Buffers, Maps and Dates through, with the sender readable before decoding', () => {
    const message: BroadcastMessage = {
      from: '0123456789abcdef',
      event: 'news',
      data: { bytes: Buffer.from([1, 2, 3]), at: new Date(0), seen: new Map([['a', 1]]) },
      rooms: ['lobby'],
      except: ['muted'],
    };
    const bytes = encodeMessage(message);
    expect(senderOf(bytes)).toBe('0123456789abcdef');
    const decoded = decodeMessage<BroadcastMessage>(bytes);
    expect(decoded).toEqual({ ...message, data: expect.any(Object) });
    const data = decoded.data as { bytes: Uint8Array; at: Date; seen: Map<string, number> };
    expect(Buffer.from(data.bytes)).toEqual(Buffer.from([1, 2, 3]));
    expect(data.at).toEqual(new Date(0));
    expect(data.seen.get('a')).toBe(1);
  });

  test('tell two senders apart by their leading id alone', () => {
    const hello = (from: string): ControlMessage => ({ kind: Control.Hello, from });
    expect(senderOf(encodeMessage(hello('aaaaaaaaaaaaaaaa')))).toBe('aaaaaaaaaaaaaaaa');
    expect(senderOf(encodeMessage(hello('bbbbbbbbbbbbbbbb')))).toBe('bbbbbbbbbbbbbbbb');
  });
});
