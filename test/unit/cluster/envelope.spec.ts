import { DropReason, Envelopes, readBody, senderOf } from '../../../src/cluster/envelope.js';
import { Control, type BroadcastMessage } from '../../../src/cluster/messages.js';
import { Signer } from '../../../src/cluster/signing.js';

const FROM = '0123456789abcdef';
const hello = { kind: Control.Hello, from: FROM };

function bodyOf(envelopes: Envelopes, bytes: Buffer): unknown {
  const opened = envelopes.open(bytes);
  if (!opened.ok) throw new Error(opened.reason);
  return readBody(opened.body)?.value;
}

describe('the envelope of a message between instances', () => {
  test('carries Buffers, Maps and Dates through, with the sender readable before the body', () => {
    const message: BroadcastMessage = {
      from: FROM,
      seq: 1,
      event: 'news',
      data: { bytes: Buffer.from([1, 2, 3]), at: new Date(0), seen: new Map([['a', 1]]) },
      rooms: ['lobby'],
      except: ['muted'],
    };
    const envelopes = new Envelopes();
    const bytes = envelopes.seal(message);
    expect(senderOf(bytes)).toBe(FROM);
    const decoded = bodyOf(envelopes, bytes) as BroadcastMessage;
    expect(decoded).toEqual({ ...message, data: expect.any(Object) });
    const data = decoded.data as { bytes: Uint8Array; at: Date; seen: Map<string, number> };
    expect(Buffer.from(data.bytes)).toEqual(Buffer.from([1, 2, 3]));
    expect(data.at).toEqual(new Date(0));
    expect(data.seen.get('a')).toBe(1);
  });

  test('with a key, opens what the same key signed, and nothing else', () => {
    const signed = new Envelopes(new Signer('the key'));
    expect(bodyOf(signed, signed.seal(hello))).toEqual(hello);
    expect(bodyOf(new Envelopes(new Signer(Buffer.from('the key'))), signed.seal(hello))).toEqual(
      hello,
    );
    const other = new Envelopes(new Signer('another key')).seal(hello);
    expect(signed.open(other)).toEqual({ ok: false, reason: DropReason.BadSignature });
    expect(signed.open(new Envelopes().seal(hello))).toEqual({
      ok: false,
      reason: DropReason.Unsigned,
    });
  });

  test('refuses a signed message whose body or sender was changed', () => {
    const signed = new Envelopes(new Signer('the key'));
    const bytes = signed.seal(hello);
    const body = Buffer.from(bytes);
    body[body.length - 1] ^= 1;
    expect(signed.open(body)).toEqual({ ok: false, reason: DropReason.BadSignature });
    const sender = Buffer.from(bytes);
    sender.write('fedcba9876543210', 0, 'latin1');
    expect(signed.open(sender)).toEqual({ ok: false, reason: DropReason.BadSignature });
  });

  test('finds an envelope too short, of an unknown format or with no readable body unreadable', () => {
    const envelopes = new Envelopes();
    expect(envelopes.open(Buffer.from(FROM))).toEqual({ ok: false, reason: 'unreadable' });
    const format = envelopes.seal(hello);
    format[16] = 9;
    expect(envelopes.open(format)).toEqual({ ok: false, reason: 'unreadable' });
    const garbage = Buffer.concat([Buffer.from(FROM), Buffer.from([0, 0xff, 0x0f, 0x6f])]);
    const opened = envelopes.open(garbage);
    expect(opened.ok && readBody(opened.body)).toBeUndefined();
  });

  test('tells two senders apart by their leading id alone', () => {
    const envelopes = new Envelopes();
    expect(senderOf(envelopes.seal({ ...hello, from: 'aaaaaaaaaaaaaaaa' }))).toBe(
      'aaaaaaaaaaaaaaaa',
    );
    expect(senderOf(envelopes.seal({ ...hello, from: 'bbbbbbbbbbbbbbbb' }))).toBe(
      'bbbbbbbbbbbbbbbb',
    );
  });
});
