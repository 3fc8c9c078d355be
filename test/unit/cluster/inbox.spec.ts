import { Envelopes } from '../../../src/cluster/envelope.js';
import { openInbound, replyMessages } from '../../../src/cluster/inbox.js';
import { CHUNK_BYTES, MAX_REPLY_BYTES } from '../../../src/cluster/limits.js';
import { Control, Reply, type ReplyMessage } from '../../../src/cluster/messages.js';
import { Signer } from '../../../src/cluster/signing.js';

const SELF = 'aaaaaaaaaaaaaaaa';
const PEER = 'bbbbbbbbbbbbbbbb';

describe('a message of another instance, opened', () => {
  test('is used once envelope, signature, body and shape hold', () => {
    const envelopes = new Envelopes(new Signer('k'));
    const bytes = envelopes.seal({ kind: Control.Hello, from: PEER });
    expect(openInbound(envelopes, SELF, 'control', bytes)).toEqual({
      lane: 'control',
      message: { kind: Control.Hello, from: PEER },
    });
  });

  test('is this instance’s own, known by the sender id before anything is read', () => {
    const bytes = new Envelopes().seal({ kind: Control.Hello, from: SELF });
    expect(openInbound(new Envelopes(new Signer('k')), SELF, 'control', bytes)).toEqual({
      lane: 'own',
    });
  });

  test('is dropped with its reason: unsigned, unreadable, or out of shape for its lane', () => {
    const plain = new Envelopes();
    const signed = new Envelopes(new Signer('k'));
    const hello = plain.seal({ kind: Control.Hello, from: PEER });
    expect(openInbound(signed, SELF, 'control', hello)).toMatchObject({ reason: 'unsigned' });
    expect(openInbound(plain, SELF, 'control', Buffer.from('short'))).toMatchObject({
      reason: 'unreadable',
    });
    const junk = Buffer.concat([Buffer.from(PEER), Buffer.from([0, 1, 2, 3])]);
    expect(openInbound(plain, SELF, 'control', junk)).toMatchObject({ reason: 'unreadable' });
    // A presence message is not a broadcast, nor a reply.
    expect(openInbound(plain, SELF, 'broadcast', hello)).toMatchObject({ reason: 'shape' });
    expect(openInbound(plain, SELF, 'reply', hello)).toMatchObject({ reason: 'shape' });
  });
});

describe('a reply, ready to publish', () => {
  const envelopes = new Envelopes();
  const base = { request: 1, from: SELF } as const;
  const sockets = (count: number, rooms: number): ReplyMessage => ({
    ...base,
    kind: Reply.Sockets,
    value: Array.from({ length: count }, (_, i) => ({
      id: `socket-${i}`.padEnd(32, '0'),
      rooms: Array.from({ length: rooms }, (_, r) => `room-${r}`),
    })),
  });

  test('is one message while short', () => {
    expect(replyMessages(envelopes, { ...base, kind: Reply.Done }, () => 1)).toHaveLength(1);
  });

  test('is cut into chunks of at most CHUNK_BYTES when long', () => {
    const messages = replyMessages(envelopes, sockets(2_000, 100), () => 1);
    expect(messages.length).toBeGreaterThan(1);
    for (const bytes of messages) expect(bytes.length).toBeLessThan(CHUNK_BYTES + 200);
  });

  test('is a refusal with the reason past MAX_REPLY_BYTES, or for what cannot be carried', () => {
    const [tooLong] = replyMessages(envelopes, sockets(20_000, 100), () => 1);
    const refusal = openInbound(envelopes, PEER, 'reply', tooLong);
    expect(refusal).toMatchObject({
      message: { kind: Reply.Refused, value: expect.stringContaining(`${MAX_REPLY_BYTES} bytes`) },
    });
    const [answer] = replyMessages(
      envelopes,
      { ...base, kind: Reply.Answer, value: () => 1 },
      () => 1,
    );
    expect(openInbound(envelopes, PEER, 'reply', answer)).toMatchObject({
      message: { kind: Reply.Missed },
    });
  });
});
