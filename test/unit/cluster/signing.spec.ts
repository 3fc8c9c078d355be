import { createHmac } from 'node:crypto';
import { SIGNATURE_LENGTH, Signer } from '../../../src/cluster/signing.js';

describe('Signer', () => {
  test('signs with HMAC-SHA256 of the parts as one, and verifies its own signature', () => {
    const signer = new Signer('k');
    const signature = signer.sign(Buffer.from('ab'), Buffer.from('cd'));
    expect(signature).toEqual(createHmac('sha256', 'k').update('abcd').digest());
    expect(signature.length).toBe(SIGNATURE_LENGTH);
    expect(signer.verify(signature, Buffer.from('abcd'))).toBe(true);
  });

  test('refuses another key’s signature, a changed message and a short signature', () => {
    const signer = new Signer(Buffer.from([1, 2, 3]));
    const signature = signer.sign(Buffer.from('message'));
    expect(new Signer('other').verify(signature, Buffer.from('message'))).toBe(false);
    expect(signer.verify(signature, Buffer.from('messagE'))).toBe(false);
    expect(signer.verify(signature.subarray(0, 16), Buffer.from('message'))).toBe(false);
  });

  test('refuses an empty key', () => {
    expect(() => new Signer('')).toThrow(/signingKey is empty/);
  });
});
