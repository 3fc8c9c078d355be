// base64url (RFC 4648 §5, no padding) by hand: browsers have no Buffer, and atob/btoa work on
// Latin-1 strings, not bytes, and accept the other alphabet and padding.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The value of each ASCII character in the alphabet, -1 for any other. */
const DIGITS = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGITS[ALPHABET.charCodeAt(i)] = i;

/** The bytes as base64url, without padding. */
export function base64urlEncode(bytes: Uint8Array): string {
  const parts: string[] = [];
  const whole = bytes.length - (bytes.length % 3);
  for (let i = 0; i < whole; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    parts.push(
      ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63],
    );
  }
  const rest = bytes.length - whole;
  if (rest === 1) {
    const n = bytes[whole] << 16;
    parts.push(ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63]);
  } else if (rest === 2) {
    const n = (bytes[whole] << 16) | (bytes[whole + 1] << 8);
    parts.push(ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63]);
  }
  return parts.join('');
}

/**
 * The bytes of a base64url text, or `undefined` unless it is the one canonical encoding of
 * them: the URL-safe alphabet only, no padding, no length that no byte count gives, no stray
 * bits in the last character. One value, one spelling: nothing to smuggle past a check.
 */
export function base64urlDecode(text: string): Uint8Array | undefined {
  const length = text.length;
  if (length % 4 === 1) return undefined;
  const bytes = new Uint8Array(Math.floor((length * 3) / 4));
  let value = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    const digit = code < 128 ? DIGITS[code] : -1;
    if (digit < 0) return undefined;
    value = (value << 6) | digit;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = value >> bits;
      value &= (1 << bits) - 1;
    }
  }
  return value === 0 ? bytes : undefined;
}
