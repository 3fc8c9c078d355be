import { isBytes, utf8Decode, utf8Encode } from './utf8.js';

/**
 * Turns the data part of a frame into the value a handler receives, and a handler's value into
 * the data part. `encode` returns text (sent as a text message), bytes (sent as a binary
 * message), or `undefined` for a frame without a data part.
 */
export interface EtpPayloadCodec {
  /** A name for logs and errors. */
  readonly name: string;
  /** The handler's value from a frame's data part (`null`: the frame has none). */
  decode(data: Uint8Array | null): unknown;
  /**
   * The data part for a value: text (a text message), bytes (a binary message) or `undefined`
   * (none).
   */
  encode(value: unknown): string | Uint8Array | undefined;
}

/** The names of the built-in codecs, as the `codec` option takes them. */
export type EtpCodecName = 'auto' | 'json' | 'text' | 'binary';

/**
 * What every codec but strict JSON writes: text as it is, bytes as they are, nothing for
 * `undefined`/`null`, JSON for anything else. A Go handler's `[]byte("hello handled")` and a
 * Nest handler's `'hello handled'` thus put the same bytes on the wire.
 */
function encodeLoose(value: unknown): string | Uint8Array | undefined {
  if (value == null) return undefined;
  if (typeof value === 'string') return value;
  if (isBytes(value)) return value;
  return JSON.stringify(value);
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const QUOTE = 0x22;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/** Whether the bytes may be a JSON document worth trying to parse. */
function looksLikeJson(data: Uint8Array, text: string): boolean {
  const first = data[0];
  if (first === OPEN_BRACE || first === OPEN_BRACKET || first === QUOTE || first === MINUS) {
    return true;
  }
  if (first >= ZERO && first <= NINE) return true;
  return text === 'true' || text === 'false' || text === 'null';
}

/**
 * The default. Decodes a JSON document to its value and any other bytes to a UTF-8 string;
 * no data decodes to `undefined`. So `{"a":1}` arrives as an object and `fire and forget` as
 * that text; note that text which happens to be JSON (`42`, `"x"`, `true`) arrives parsed.
 */
export const autoCodec: EtpPayloadCodec = {
  name: 'auto',
  decode(data) {
    if (data === null || data.length === 0) return undefined;
    const text = utf8Decode(data);
    if (!looksLikeJson(data, text)) return text;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  },
  encode: encodeLoose,
};

/**
 * Strict JSON, as the old JS client (isp-etp-js-client v2) speaks it: data must be JSON, and
 * every frame written carries a JSON data part (`null` for nothing), because that client
 * rejects a frame without one.
 */
export const jsonCodec: EtpPayloadCodec = {
  name: 'json',
  decode(data) {
    if (data === null || data.length === 0) return undefined;
    return JSON.parse(utf8Decode(data));
  },
  encode(value) {
    return value === undefined ? 'null' : JSON.stringify(value);
  },
};

/** Data as a UTF-8 string (`''` for none). */
export const textCodec: EtpPayloadCodec = {
  name: 'text',
  decode(data) {
    return data === null ? '' : utf8Decode(data);
  },
  encode: encodeLoose,
};

const EMPTY = new Uint8Array(0);

/** Data as raw bytes: a `Buffer` on Node (a view of the received message, not a copy). */
export const binaryCodec: EtpPayloadCodec = {
  name: 'binary',
  decode(data) {
    return data ?? (typeof Buffer === 'undefined' ? EMPTY : Buffer.alloc(0));
  },
  encode(value) {
    if (typeof value === 'string') return utf8Encode(value);
    return encodeLoose(value);
  },
};

/** The built-in codecs by name. */
export const EtpCodecs: Readonly<Record<EtpCodecName, EtpPayloadCodec>> = Object.freeze({
  auto: autoCodec,
  json: jsonCodec,
  text: textCodec,
  binary: binaryCodec,
});

export function resolveCodec(codec: EtpCodecName | EtpPayloadCodec | undefined): EtpPayloadCodec {
  if (codec === undefined) return autoCodec;
  if (typeof codec === 'string') {
    const found = EtpCodecs[codec];
    if (found === undefined) {
      throw new TypeError(
        `Unknown ETP codec "${codec}": use auto, json, text, binary or an object`,
      );
    }
    return found;
  }
  if (typeof codec.decode !== 'function' || typeof codec.encode !== 'function') {
    throw new TypeError('An ETP codec needs decode(data) and encode(value) methods');
  }
  return codec;
}
