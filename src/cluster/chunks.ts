import { CHUNK_BYTES, MAX_REPLY_BYTES } from './limits.js';
import { Reply, type ChunkMessage } from './messages.js';

/**
 * A serialised reply longer than {@link CHUNK_BYTES}, cut into chunk messages of at most that
 * many bytes each, in order. Every chunk is a message of its own: checked, and signed when the
 * instances have a key.
 */
export function chunksOf(
  body: Uint8Array,
  reply: { readonly request: number; readonly from: string },
  series: number,
): ChunkMessage[] {
  const count = Math.ceil(body.length / CHUNK_BYTES);
  const chunks: ChunkMessage[] = [];
  for (let index = 0; index < count; index++) {
    chunks.push({
      request: reply.request,
      from: reply.from,
      kind: Reply.Chunk,
      series,
      index,
      count,
      bytes: body.subarray(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES),
    });
  }
  return chunks;
}

interface Partial {
  readonly parts: Array<Uint8Array | undefined>;
  received: number;
}

/** The most chunks a reply within {@link MAX_REPLY_BYTES} can have. */
const MAX_CHUNKS = Math.ceil(MAX_REPLY_BYTES / CHUNK_BYTES);

/**
 * What one request of this instance received from the others: the bytes of every reply, bounded
 * in total by `limit`, and the chunks of long replies until each is whole. It lives as long as
 * the request, so chunks of a reply that never completes go with it.
 */
export class ReplyIntake {
  private bytes = 0;
  private readonly partials = new Map<string, Partial>();

  constructor(private readonly limit = MAX_REPLY_BYTES) {}

  /** Counts a message of `length` bytes; `false` once the replies passed the limit. */
  take(length: number): boolean {
    this.bytes += length;
    return this.bytes <= this.limit;
  }

  /**
   * Files one chunk; returns the reply's bytes once every chunk came, `undefined` before, and
   * `false` for a chunk that does not fit the others of its reply.
   */
  add(chunk: ChunkMessage): Buffer | undefined | false {
    if (chunk.count > MAX_CHUNKS || chunk.bytes.length > CHUNK_BYTES) return false;
    const key = `${chunk.from}:${chunk.series}`;
    let partial = this.partials.get(key);
    if (partial === undefined) {
      partial = { parts: new Array<Uint8Array | undefined>(chunk.count), received: 0 };
      this.partials.set(key, partial);
    }
    if (partial.parts.length !== chunk.count) return false;
    if (partial.parts[chunk.index] !== undefined) return undefined;
    partial.parts[chunk.index] = chunk.bytes;
    if (++partial.received < chunk.count) return undefined;
    this.partials.delete(key);
    return Buffer.concat(partial.parts as Uint8Array[]);
  }
}
