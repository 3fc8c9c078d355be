import type { EtpPayloadCodec } from '../../../src/index.js';

/** A codec that counts its encodes: a broadcast should encode once per codec, not per member. */
export function counting(codec: EtpPayloadCodec): EtpPayloadCodec & { count: number } {
  const counted = {
    name: codec.name,
    count: 0,
    decode: (data: Uint8Array | null) => codec.decode(data),
    encode: (value: unknown) => {
      counted.count++;
      return codec.encode(value);
    },
  };
  return counted;
}
