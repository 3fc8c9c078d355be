import { Envelopes } from '../../../src/cluster/envelope.js';
import { isKept, openKept, splitKept } from '../../../src/cluster/kept.js';
import { Signer } from '../../../src/cluster/signing.js';

const PEER = 'bbbbbbbbbbbbbbbb';
const EPOCH = '0123456789abcdef0123456789abcdef';
const copy = {
  from: PEER,
  seq: 1,
  room: 'b',
  event: 'e',
  data: 1,
  rooms: ['a', 'b'],
  except: ['x'],
};

const heard = (header: string, sealed: Buffer) => Buffer.concat([Buffer.from(header), sealed]);

describe('a kept broadcast', () => {
  test('is told from an envelope by its first byte', () => {
    const sealed = new Envelopes().seal(copy);
    expect(isKept(sealed)).toBe(false);
    expect(isKept(heard(`!${EPOCH} 1\n`, sealed))).toBe(true);
    expect(isKept(Buffer.alloc(0))).toBe(false);
  });

  test('splits into the position the store gave it and the sealed message', () => {
    const sealed = new Envelopes().seal(copy);
    const split = splitKept(heard(`!${EPOCH} 42\n`, sealed))!;
    expect(split.epoch).toBe(EPOCH);
    expect(split.offset).toBe(42);
    expect(split.sealed.equals(sealed)).toBe(true);
  });

  test('without a position of ours is no kept broadcast', () => {
    const sealed = new Envelopes().seal(copy);
    for (const header of [
      `!${EPOCH} 42`, // no end of line
      `!${EPOCH} 0\n`, // offsets start at 1
      `!${EPOCH} 042\n`,
      `!${EPOCH} -1\n`,
      `!${EPOCH} 99999999999999999\n`, // past a safe integer
      `!${EPOCH.toUpperCase()} 1\n`,
      `!${'a'.repeat(65)} 1\n`,
      `! 1\n`,
      `!${EPOCH}  1\n`,
    ]) {
      expect(splitKept(heard(header, sealed))).toBeUndefined();
    }
    // A header is looked for in its first 100 bytes only.
    expect(splitKept(Buffer.from(`!${'a'.repeat(200)}\n`))).toBeUndefined();
  });

  test('opens as the copy of its room, with the target of that copy', () => {
    const signed = new Envelopes(new Signer('k'));
    expect(openKept(signed, 'b', 7, signed.seal(copy))).toEqual({
      ok: true,
      kept: {
        room: 'b',
        offset: 7,
        target: { rooms: ['b'], except: ['x', 'a'] },
        event: 'e',
        data: 1,
      },
      message: copy,
    });
  });

  test('is dropped with its reason when anything of it is not as sent', () => {
    const plain = new Envelopes();
    const signed = new Envelopes(new Signer('k'));
    expect(openKept(signed, 'b', 1, plain.seal(copy))).toMatchObject({ reason: 'unsigned' });
    expect(openKept(signed, 'b', 1, new Envelopes(new Signer('other')).seal(copy))).toMatchObject({
      reason: 'bad_signature',
    });
    expect(openKept(plain, 'b', 1, Buffer.from('short'))).toMatchObject({ reason: 'unreadable' });
    expect(openKept(plain, 'b', 1, plain.sealBody(PEER, Buffer.from([1, 2, 3])))).toMatchObject({
      reason: 'unreadable',
    });
    // Another sender than the envelope's, another room than the one it came for, no target.
    expect(
      openKept(plain, 'b', 1, plain.sealBody('cccccccccccccccc', plain.seal(copy).subarray(17))),
    ).toMatchObject({
      reason: 'shape',
    });
    expect(openKept(plain, 'a', 1, plain.seal(copy))).toMatchObject({ reason: 'shape' });
    expect(openKept(plain, 'b', 1, plain.seal({ ...copy, rooms: ['a'] }))).toMatchObject({
      reason: 'shape',
      detail: 'a copy for another room',
    });
    expect(openKept(plain, 'b', 1, plain.seal({ ...copy, event: 'a||b' }))).toMatchObject({
      reason: 'shape',
    });
  });
});
