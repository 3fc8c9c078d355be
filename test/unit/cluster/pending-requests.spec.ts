import { chunksOf } from '../../../src/cluster/chunks.js';
import { MAX_REPLY_BYTES } from '../../../src/cluster/limits.js';
import { Reply } from '../../../src/cluster/messages.js';
import { PendingRequests } from '../../../src/cluster/pending-requests.js';
import { GatherRequest } from '../../../src/cluster/requests.js';
import { serialize } from 'node:v8';

const PEER = 'bbbbbbbbbbbbbbbb';

describe('PendingRequests', () => {
  function gather(pending: PendingRequests, peers = [PEER]) {
    const id = pending.next();
    const request = new GatherRequest<unknown>('fetch', new Set(peers), 5_000, () =>
      pending.forget(id),
    );
    pending.track(id, request);
    return { id, result: request.start() };
  }

  test('puts a chunked reply together and hands it to its request', async () => {
    const pending = new PendingRequests();
    const { id, result } = gather(pending);
    const value = Array.from({ length: 100_000 }, (_, i) => ({ id: `s${i}`, rooms: ['a', 'b'] }));
    const body = serialize({ request: id, from: PEER, kind: Reply.Sockets, value });
    const chunks = chunksOf(body, { request: id, from: PEER }, 1);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(pending.reply(chunk, chunk.bytes.length)).toBeUndefined();
    await expect(result).resolves.toEqual(value);
  });

  test('fails a request with a clear error once its replies pass MAX_REPLY_BYTES', async () => {
    const pending = new PendingRequests();
    const { id, result } = gather(pending, [PEER, 'cccccccccccccccc']);
    const reply = { request: id, from: PEER, kind: Reply.Done } as const;
    pending.reply(reply, MAX_REPLY_BYTES);
    pending.reply({ ...reply, from: 'cccccccccccccccc' }, 1);
    await expect(result).rejects.toThrow(`replies passed ${MAX_REPLY_BYTES} bytes`);
  });

  test('reports chunks that make no reply, and ignores replies to no request', async () => {
    const pending = new PendingRequests();
    const { id, result } = gather(pending);
    const [chunk] = chunksOf(Buffer.from('not v8'), { request: id, from: PEER }, 1);
    expect(pending.reply(chunk, 10)).toBe('chunks that make no reply');
    expect(pending.reply({ request: 999, from: PEER, kind: Reply.Done }, 10)).toBeUndefined();
    pending.abortAll(new Error('closed'));
    await expect(result).rejects.toThrow('closed');
  });
});
