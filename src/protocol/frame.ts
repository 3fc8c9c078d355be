import { EtpFrameError } from './errors.js';
import { utf8Decode, utf8Encode } from './utf8.js';

/** One ETP message: `<event>||<ackId>||<data>`. */
export interface EtpFrame {
  /** The event name. */
  readonly event: string;
  /** 0 when the sender wants no acknowledgement. */
  readonly ackId: number;
  /** The bytes after the second delimiter; `null` when the frame has no data part. */
  readonly data: Uint8Array | null;
}

const PIPE = 0x7c;
const ZERO = 0x30;
const NINE = 0x39;
const DELIMITER = '||';

/**
 * Decodes one WebSocket message. Only the event name and the ack id are scanned: the data part
 * stays a view of the message's bytes, so a large payload is never copied or stringified here.
 */
export function decodeFrame(bytes: Uint8Array): EtpFrame {
  const length = bytes.length;
  let eventEnd = -1;
  for (let i = 0; i < length - 1; i++) {
    if (bytes[i] === PIPE && bytes[i + 1] === PIPE) {
      eventEnd = i;
      break;
    }
  }
  if (eventEnd === -1) {
    throw new EtpFrameError('no "||" delimiter in the message', bytes);
  }

  // Ack id: unsigned decimal digits up to the second delimiter or the end. Stricter than the
  // reference on signs, and an id a JS number cannot hold exactly is refused, never rounded.
  const idStart = eventEnd + 2;
  let ackId = 0;
  let i = idStart;
  while (i < length) {
    const byte = bytes[i];
    if (byte >= ZERO && byte <= NINE) {
      ackId = ackId * 10 + (byte - ZERO);
      if (ackId > Number.MAX_SAFE_INTEGER) {
        throw new EtpFrameError('the ack id is above 2^53-1 and cannot be echoed exactly', bytes);
      }
      i++;
      continue;
    }
    if (byte === PIPE && bytes[i + 1] === PIPE) break;
    throw new EtpFrameError('the ack id is not an unsigned decimal number', bytes);
  }
  if (i === idStart) {
    throw new EtpFrameError('the ack id is empty', bytes);
  }

  const event = eventEnd === 0 ? '' : utf8Decode(bytes, 0, eventEnd);
  const data = i < length ? bytes.subarray(i + 2) : null;
  return { event, ackId, data };
}

/**
 * Encodes a frame as the reference writes it: the data part only when there is data.
 * Text stays text (it goes out as a text message); bytes come back as one buffer.
 * An event name containing `||` is refused: the peer would read another event and ack id.
 */
export function encodeFrame(
  event: string,
  ackId: number,
  data?: string | Uint8Array | null,
): string | Uint8Array {
  if (event.includes(DELIMITER)) {
    throw new EtpFrameError('an event name cannot contain "||"', utf8Encode(event));
  }
  if (data == null || data.length === 0) {
    return event + DELIMITER + ackId;
  }
  if (typeof data === 'string') {
    return event + DELIMITER + ackId + DELIMITER + data;
  }
  const head = utf8Encode(event + DELIMITER + ackId + DELIMITER);
  const frame = new Uint8Array(head.length + data.length);
  frame.set(head, 0);
  frame.set(data, head.length);
  return frame;
}
