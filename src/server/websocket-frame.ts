/** Options `ws` takes to send a text or a binary message. */
export const TEXT = { binary: false } as const;
export const BINARY = { binary: true } as const;

const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
const FINAL = 0x80;

/** A frame made ready once for many sockets: text is turned into bytes a single time. */
export interface PreparedFrame {
  readonly bytes: Uint8Array;
  readonly options: typeof TEXT | typeof BINARY;
  /** The whole WebSocket message as a server writes it (final, unmasked), header included. */
  readonly wire: Buffer;
}

/** An encoded ETP frame as one WebSocket message: text as a text message, bytes as binary. */
export function prepareFrame(frame: string | Uint8Array): PreparedFrame {
  return typeof frame === 'string'
    ? webSocketMessage(Buffer.from(frame, 'utf8'), TEXT, OPCODE_TEXT)
    : webSocketMessage(frame, BINARY, OPCODE_BINARY);
}

/** RFC 6455 framing, done once per broadcast rather than once per socket. */
function webSocketMessage(
  bytes: Uint8Array,
  options: typeof TEXT | typeof BINARY,
  opcode: number,
): PreparedFrame {
  const length = bytes.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const wire = Buffer.allocUnsafe(headerLength + length);
  wire[0] = FINAL | opcode;
  if (length < 126) {
    wire[1] = length;
  } else if (length < 65_536) {
    wire[1] = 126;
    wire.writeUInt16BE(length, 2);
  } else {
    wire[1] = 127;
    wire.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    wire.writeUInt32BE(length >>> 0, 6);
  }
  wire.set(bytes, headerLength);
  return { bytes, options, wire };
}
