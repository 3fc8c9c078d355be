import { utf8Decode } from './utf8.js';

const PREVIEW_BYTES = 64;

/** A WebSocket message that is not an ETP frame. It is reported and dropped. */
export class EtpFrameError extends Error {
  /** Always `'EtpFrameError'`. */
  override readonly name = 'EtpFrameError';
  /** The first bytes of the message, as text, for the log. */
  readonly preview: string;

  constructor(reason: string, bytes: Uint8Array) {
    const preview = utf8Decode(bytes, 0, Math.min(bytes.length, PREVIEW_BYTES));
    super(
      `Malformed ETP frame: ${reason} (${JSON.stringify(preview)}${bytes.length > PREVIEW_BYTES ? '…' : ''})`,
    );
    this.preview = preview;
  }
}

/** A frame whose data the payload codec refused. */
export class EtpPayloadError extends Error {
  /** Always `'EtpPayloadError'`. */
  override readonly name = 'EtpPayloadError';

  constructor(
    /** The event whose data was refused. */
    readonly event: string,
    options: { cause: unknown },
  ) {
    super(`Payload of event "${event}" cannot be decoded: ${describe(options.cause)}`, options);
  }
}

/**
 * An `emitWithAck` whose answer did not come in time. For a broadcast, `responses` holds the
 * answers that did (empty for a single peer).
 */
export class EtpAckTimeoutError extends Error {
  /** Always `'EtpAckTimeoutError'`. */
  override readonly name = 'EtpAckTimeoutError';

  constructor(
    /** The event that asked for an answer. */
    readonly event: string,
    /** How long it waited, in ms. */
    readonly timeout: number,
    /** The answers that came in time (a broadcast's; empty for a single peer). */
    readonly responses: unknown[] = [],
  ) {
    super(`No acknowledgement for event "${event}" within ${timeout} ms`);
  }
}

/** The connection is gone: nothing was sent, or the answer can no longer come. */
export class EtpConnectionClosedError extends Error {
  /** Always `'EtpConnectionClosedError'`. */
  override readonly name = 'EtpConnectionClosedError';

  constructor(
    /** The event that could not be sent or answered. */
    readonly event: string,
    reason = 'the connection is closed',
  ) {
    super(`Event "${event}" failed: ${reason}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
