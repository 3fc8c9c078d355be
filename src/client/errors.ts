import type { EtpLogLevel } from './client-options.js';
import { EtpFrameError, EtpPayloadError } from '../protocol/errors.js';

/** A connection attempt that failed: refused, timed out, or closed before it opened. */
export class EtpConnectError extends Error {
  /** Always `'EtpConnectError'`. */
  override readonly name = 'EtpConnectError';

  constructor(
    /** The URL tried, without its query string (which may carry a token). */
    readonly url: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Cannot connect to ${url}: ${reason}`, options);
  }
}

/** An event the client received that no handler and no unknown-event handler takes. */
export class EtpUnknownEventError extends Error {
  /** Always `'EtpUnknownEventError'`. */
  override readonly name = 'EtpUnknownEventError';

  /** @param event - The event's name, as it came on the wire. */
  constructor(readonly event: string) {
    super(`No handler for ETP event "${event}" and no onUnknownEvent handler`);
  }
}

/** A handler of an incoming event threw or rejected; a waiting server got an empty answer. */
export class EtpHandlerError extends Error {
  /** Always `'EtpHandlerError'`. */
  override readonly name = 'EtpHandlerError';

  constructor(
    /** The event whose handler failed. */
    readonly event: string,
    options: { cause: unknown },
  ) {
    const cause = options.cause;
    super(
      `Handler of ETP event "${event}" failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      options,
    );
  }
}

/** How loud an error the client meets is in its log. */
export function logLevelOf(error: Error): EtpLogLevel {
  if (error instanceof EtpHandlerError) return 'error';
  if (error instanceof EtpUnknownEventError) return 'debug';
  return 'warn';
}

/** Whether an error comes from what the server sent: such reports are rate-limited. */
export function isPeerReport(error: Error): boolean {
  return (
    error instanceof EtpFrameError ||
    error instanceof EtpPayloadError ||
    error instanceof EtpUnknownEventError
  );
}
