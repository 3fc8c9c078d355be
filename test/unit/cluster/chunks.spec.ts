import { randomBytes } from 'node:crypto';
import { chunksOf, ReplyIntake } from '../../../src/cluster/chunks.js';
import { CHUNK_BYTES } from '../../../src/cluster/limits.js';

const reply = { request: 7, from: '0123456789abcdef' };

/** Compared as bytes: Jest's deep equality is slow on megabytes. */
function same(actual: unknown, expected: Buffer): boolean {
  return Buffer.isBuffer(actual) && actual.equals(expected);
}

describe('chunks of a long reply', () => {
  test('are at most CHUNK_BYTES each and put back together whatever their order', () => {
    const body = randomBytes(2 * CHUNK_BYTES + 10);
    const chunks = chunksOf(body, reply, 1);
    expect(chunks.map((chunk) => chunk.bytes.length)).toEqual([CHUNK_BYTES, CHUNK_BYTES, 10]);
    const intake = new ReplyIntake();
    expect(intake.add(chunks[2])).toBeUndefined();
    expect(intake.add(chunks[0])).toBeUndefined();
    expect(intake.add(chunks[0])).toBeUndefined(); // a copy changes nothing
    expect(same(intake.add(chunks[1]), body)).toBe(true);
  });

  test('keep two replies of one request apart by sender and series', () => {
    const intake = new ReplyIntake();
    const one = chunksOf(Buffer.alloc(CHUNK_BYTES + 1, 1), reply, 1);
    const two = chunksOf(Buffer.alloc(CHUNK_BYTES + 1, 2), reply, 2);
    intake.add(one[0]);
    intake.add(two[0]);
    expect(same(intake.add(two[1]), Buffer.alloc(CHUNK_BYTES + 1, 2))).toBe(true);
    expect(same(intake.add(one[1]), Buffer.alloc(CHUNK_BYTES + 1, 1))).toBe(true);
  });

  test('refuse chunks that disagree on their count, or claim more than a reply may have', () => {
    const intake = new ReplyIntake();
    const [first] = chunksOf(Buffer.alloc(CHUNK_BYTES + 1), reply, 1);
    intake.add(first);
    expect(intake.add({ ...first, index: 1, count: 3 })).toBe(false);
    expect(intake.add({ ...first, series: 2, count: 1_000_000 })).toBe(false);
  });

  test('count the bytes of a request’s replies up to a limit', () => {
    const intake = new ReplyIntake(100);
    expect(intake.take(60)).toBe(true);
    expect(intake.take(40)).toBe(true);
    expect(intake.take(1)).toBe(false);
  });
});
