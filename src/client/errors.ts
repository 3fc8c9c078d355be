/** A connection attempt that failed: refused, timed out, or closed before it opened. */
export class EtpConnectError extends Error {
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
  override readonly name = 'EtpUnknownEventError';

  constructor(readonly event: string) {
    super(`No handler for ETP event "${event}" and no onUnknownEvent handler`);
  }
}

/** A handler of an incoming event threw or rejected; a waiting server got an empty answer. */
export class EtpHandlerError extends Error {
  override readonly name = 'EtpHandlerError';

  constructor(
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
