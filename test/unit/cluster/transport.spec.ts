import { randomBytes } from 'node:crypto';
import { Envelopes } from '../../../src/cluster/envelope.js';
import { isKept } from '../../../src/cluster/kept.js';
import { Signer } from '../../../src/cluster/signing.js';
import { KEPT_MARK } from '../../../src/cluster/transport.js';

describe('KEPT_MARK', () => {
  test('is "!", which starts the header a store puts before a kept broadcast', () => {
    expect(String.fromCharCode(KEPT_MARK)).toBe('!');
  });

  test('never starts an envelope: an instance id is hex, whoever sealed it', () => {
    const signed = new Envelopes(new Signer('k'));
    const plain = new Envelopes();
    for (let i = 0; i < 64; i++) {
      const from = randomBytes(8).toString('hex');
      for (const envelopes of [signed, plain]) {
        const bytes = envelopes.seal({ kind: 1, from });
        expect(bytes[0]).not.toBe(KEPT_MARK);
        expect(isKept(bytes)).toBe(false);
      }
    }
    expect('0123456789abcdef'.includes(String.fromCharCode(KEPT_MARK))).toBe(false);
  });
});
