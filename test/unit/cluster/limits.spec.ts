import { serialize } from 'node:v8';
import { chunksOf } from '../../../src/cluster/chunks.js';
import { Envelopes } from '../../../src/cluster/envelope.js';
import {
  CHUNK_BYTES,
  MAX_NAME_LENGTH,
  MAX_NAMES,
  MAX_PEER_ACK_REQUESTS,
  MAX_PEER_ACK_REQUESTS_TOTAL,
  MAX_REPLY_BYTES,
} from '../../../src/cluster/limits.js';
import { Reply } from '../../../src/cluster/messages.js';
import { checkBroadcast } from '../../../src/cluster/shape.js';
import { Signer } from '../../../src/cluster/signing.js';

const FROM = '0123456789abcdef';
/** What Redis allows a subscriber's pending output: closed past 32 MB, or 8 MB for 60 s. */
const REDIS_HARD_LIMIT = 32 * 1024 * 1024;
const REDIS_SOFT_LIMIT = 8 * 1024 * 1024;

describe('the bounds between instances', () => {
  test('a message at every bound is still taken: the bounds refuse only what is past them', () => {
    const longest = 'r'.repeat(MAX_NAME_LENGTH);
    const most = Array.from({ length: MAX_NAMES }, (_, i) => `room-${i}`);
    const message = {
      from: FROM,
      seq: 1,
      event: 'e'.repeat(MAX_NAME_LENGTH),
      data: null,
      rooms: [longest, ...most.slice(1)],
      except: most,
    };
    expect(checkBroadcast(message, FROM)).toEqual({ message });
  });

  test('one chunk of a long reply, sealed and signed, stays far below what Redis tolerates', () => {
    const body = serialize({ request: 1, from: FROM, kind: Reply.Sockets, value: 'x'.repeat(3e6) });
    const chunks = chunksOf(body, { request: 1, from: FROM }, 1);
    const sealed = chunks.map((chunk) => new Envelopes(new Signer('k')).seal(chunk));
    for (const bytes of sealed) {
      expect(bytes.length).toBeLessThanOrEqual(CHUNK_BYTES + 200);
      expect(bytes.length).toBeLessThan(REDIS_SOFT_LIMIT / 4);
    }
    expect(sealed.length).toBe(Math.ceil(body.length / CHUNK_BYTES));
  });

  test('all the replies one request accepts fit under the limit that closes a subscriber', () => {
    const chunks = Math.ceil(MAX_REPLY_BYTES / CHUNK_BYTES);
    // Even with every chunk's envelope and framing, the whole stays below the hard limit.
    expect(MAX_REPLY_BYTES + chunks * 200).toBeLessThan(REDIS_HARD_LIMIT);
  });

  test('no one instance can take every emitWithAck slot of the others', () => {
    expect(MAX_PEER_ACK_REQUESTS).toBeGreaterThan(0);
    expect(MAX_PEER_ACK_REQUESTS_TOTAL / MAX_PEER_ACK_REQUESTS).toBeGreaterThanOrEqual(2);
  });
});
