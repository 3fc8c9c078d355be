import type { EtpPayloadCodec } from '../protocol/codec.js';
import { EtpFrameError } from '../protocol/errors.js';
import { encodeFrame } from '../protocol/frame.js';
import { EtpBroadcastTooLargeError } from './errors.js';

export type Payload = string | Uint8Array | undefined;

/** Room for the event name, the ack id and the WebSocket header around a payload. */
const FRAME_OVERHEAD = 32;
/** A UTF-16 unit takes at most 3 bytes of UTF-8. */
const MAX_UTF8_PER_UNIT = 3;

/**
 * The payloads of the broadcast being sent, encoded once per codec of the application's
 * gateways before the broker runs. A broadcast that no member could read (an event name the
 * frame codec refuses, data a codec cannot encode, a frame past `maxBufferedBytes`) then fails
 * at `emit`, before anything is published; one that passes is written to the local members from
 * these payloads, without a second encode.
 */
export class BroadcastPayloads {
  private event: string | undefined;
  private data: unknown;
  private encoded: Map<EtpPayloadCodec, Payload> | undefined;

  /** Checks and encodes a broadcast; throws what the frame codec or a payload codec throws. */
  prepare(
    event: string,
    data: unknown,
    codecs: readonly EtpPayloadCodec[],
    maxFrameBytes: number,
  ): void {
    this.clear();
    checkEventName(event);
    if (codecs.length === 0) return;
    const encoded = new Map<EtpPayloadCodec, Payload>();
    for (const codec of codecs) {
      const payload = codec.encode(data);
      const bytes = frameBytesPast(event, payload, maxFrameBytes);
      if (bytes !== undefined) throw new EtpBroadcastTooLargeError(event, bytes, maxFrameBytes);
      encoded.set(codec, payload);
    }
    this.event = event;
    this.data = data;
    this.encoded = encoded;
  }

  /** The payloads prepared for this very broadcast, once; `undefined` for any other. */
  take(event: string, data: unknown): Map<EtpPayloadCodec, Payload> | undefined {
    const encoded = this.encoded;
    if (encoded === undefined || this.event !== event || !Object.is(this.data, data)) {
      return undefined;
    }
    this.clear();
    return encoded;
  }

  /** The payloads prepared for this very broadcast, left in place for the next copy. */
  peek(event: string, data: unknown): Map<EtpPayloadCodec, Payload> | undefined {
    if (this.encoded === undefined || this.event !== event || !Object.is(this.data, data)) {
      return undefined;
    }
    return this.encoded;
  }

  clear(): void {
    this.event = undefined;
    this.data = undefined;
    this.encoded = undefined;
  }
}

/** Refuses, with the frame codec's own error, an event name no frame can carry. */
export function checkEventName(event: unknown): asserts event is string {
  if (typeof event !== 'string') {
    throw new EtpFrameError(
      `an event name must be a string, not ${typeof event}`,
      new Uint8Array(),
    );
  }
  encodeFrame(event, 0);
}

/**
 * The size of the frame when it is past `limit`, else `undefined`. Text is measured only when
 * its length leaves a doubt: UTF-8 takes one to three bytes per UTF-16 unit.
 */
function frameBytesPast(event: string, payload: Payload, limit: number): number | undefined {
  if (payload === undefined) return undefined;
  if (
    typeof payload === 'string' &&
    (payload.length + event.length) * MAX_UTF8_PER_UNIT + FRAME_OVERHEAD <= limit
  ) {
    return undefined;
  }
  const bytes =
    (typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length) +
    Buffer.byteLength(event, 'utf8');
  return bytes + FRAME_OVERHEAD > limit ? bytes : undefined;
}
