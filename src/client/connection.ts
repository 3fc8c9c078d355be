import { EtpDisconnectReason } from '../protocol/close.js';
import type { EtpLogLevel, EtpQuery } from './client-options.js';
import { ConnectionState } from './connection-state.js';
import { EtpConnectError } from './errors.js';
import { reconnectDelay, type ReconnectPolicy } from './reconnect.js';
import type { ClientTransport, ClientTransportListener } from './transport.js';
import { describeUrl, withQuery } from './url.js';

/** What the connection asks of, and reports to, the client above it. */
export interface ConnectionOwner {
  createTransport(url: string, listener: ClientTransportListener): ClientTransport;
  /** Query parameters of the next attempt's handshake, after the configured ones. */
  handshakeQuery?(): EtpQuery | undefined;
  log(level: EtpLogLevel, message: string, error?: unknown): void;
  /** A connection is open: after the `connect()` promise resolved. */
  opened(): void;
  message(transport: ClientTransport, bytes: Uint8Array): void;
  pong(): void;
  /** An open connection has ended; `ownReason` when this side closed or dropped it. */
  ended(
    code: number,
    text: string,
    ownReason: EtpDisconnectReason | undefined,
    error: Error | undefined,
  ): void;
  /** A background attempt failed. */
  attemptFailed(error: EtpConnectError): void;
}

export interface ConnectionSettings {
  readonly url: string | undefined;
  readonly query: EtpQuery | undefined;
  /** Time an attempt has to open, in ms (0: no limit). */
  readonly connectTimeout: number;
  /** `undefined`: no reconnection. */
  readonly reconnect: ReconnectPolicy | undefined;
}

interface Attempt {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  /** Part of a reconnection loop: a failure schedules the next attempt. */
  readonly keepTrying: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  error: Error | undefined;
}

const CLOSE_GRACE_MS = 1_000;
const NORMAL = 1000;
const RESOLVED: Promise<void> = Promise.resolve();
const ignore = (): void => undefined;

/**
 * A client's link to its server over successive WebSockets: attempts and their timeout, the
 * backoff between them, the close and its grace period. What travels over it is the client's.
 */
export class Connection {
  private current: ConnectionState = ConnectionState.Closed;
  private target: string | undefined;
  /** The WebSocket of the current attempt or connection. */
  private transport: ClientTransport | undefined;
  /** Set while `Connecting`, and while `Closing` an attempt that never opened. */
  private attempt: Attempt | undefined;
  /** Whether the client should be connected: set by `connect`, cleared by `close` and giving up. */
  private wanted = false;
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closingAs: EtpDisconnectReason | undefined;
  private transportError: Error | undefined;
  private closeWaiters: Array<() => void> = [];
  private graceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly owner: ConnectionOwner,
    private readonly settings: ConnectionSettings,
  ) {
    this.target = settings.url;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The server's URL: the configured one, or the last one `start` was given. */
  get url(): string | undefined {
    return this.target;
  }

  /** The WebSocket, when the connection is open and not being closed. */
  get openTransport(): ClientTransport | undefined {
    return this.current === ConnectionState.Open ? this.transport : undefined;
  }

  /** Between attempts, or within one. */
  get reconnecting(): boolean {
    return this.current === ConnectionState.Waiting || this.attempt !== undefined;
  }

  /**
   * Connects; with `keepTrying`, a failed attempt is retried in the background (when
   * reconnection is on) while the returned promise still reports the first attempt.
   */
  start(url: string | undefined, keepTrying: boolean): Promise<void> {
    if (url !== undefined && url !== this.target) {
      if (this.transport !== undefined) {
        return Promise.reject(
          new Error(`Already connected to ${describeUrl(this.target!)}: close() first`),
        );
      }
      this.target = url;
    }
    if (this.target === undefined) {
      return Promise.reject(new TypeError('No URL to connect to: pass one to connect(url)'));
    }
    if (this.current === ConnectionState.Closing) {
      // Closing still: connect again once it is closed.
      return this.closed().then(() => this.start(url, keepTrying));
    }
    this.wanted = true;
    if (this.current === ConnectionState.Open) return RESOLVED;
    if (this.attempt !== undefined) return this.attempt.promise;
    this.cancelRetry();
    return this.open(keepTrying || this.retries > 0).promise;
  }

  /** Closes with 1000 and stops reconnecting; resolves once closed (dropped after a grace). */
  close(): Promise<void> {
    this.wanted = false;
    this.cancelRetry();
    const transport = this.transport;
    if (transport === undefined) return RESOLVED;
    if (this.attempt !== undefined) this.attempt.error ??= new Error('closed before it opened');
    this.closeAs(EtpDisconnectReason.ClientClosed);
    const closed = this.closed();
    if (this.graceTimer === undefined) {
      this.graceTimer = setTimeout(() => transport.terminate(), CLOSE_GRACE_MS);
    }
    transport.close(NORMAL);
    return closed;
  }

  /** Closes the open connection for a reason of this side's (a message too big). */
  closeFor(reason: EtpDisconnectReason, code: number, text: string): void {
    const transport = this.transport!;
    this.closeAs(reason);
    transport.close(code, text);
  }

  private closeAs(reason: EtpDisconnectReason): void {
    this.closingAs = reason;
    this.current = ConnectionState.Closing;
  }

  private closed(): Promise<void> {
    return new Promise<void>((resolve) => this.closeWaiters.push(resolve));
  }

  private open(keepTrying: boolean): Attempt {
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    const attempt: Attempt = {
      promise,
      resolve,
      reject,
      keepTrying,
      timer: undefined,
      error: undefined,
    };
    if (keepTrying) promise.catch(ignore);
    this.attempt = attempt;
    this.transportError = undefined;

    let transport: ClientTransport | undefined;
    const listener: ClientTransportListener = {
      open: () => {
        if (transport === this.transport) this.handleOpen();
      },
      message: (bytes) => {
        if (transport === this.transport) this.owner.message(transport!, bytes);
      },
      error: (error) => {
        if (transport === this.transport) this.transportError ??= error;
      },
      close: (code, reason) => {
        if (transport === this.transport) this.handleClose(code, reason);
      },
      pong: () => this.owner.pong(),
    };
    try {
      const url = withQuery(this.target!, this.settings.query);
      transport = this.owner.createTransport(
        withQuery(url, this.owner.handshakeQuery?.()),
        listener,
      );
    } catch (error) {
      this.attempt = undefined;
      reject(this.connectError(error as Error));
      return attempt;
    }
    this.transport = transport;
    this.current = ConnectionState.Connecting;
    const timeout = this.settings.connectTimeout;
    if (timeout > 0) {
      attempt.timer = setTimeout(() => {
        attempt.error ??= new Error(`not open within ${timeout} ms`);
        transport.terminate();
      }, timeout);
    }
    return attempt;
  }

  private handleOpen(): void {
    const attempt = this.attempt!;
    this.attempt = undefined;
    clearTimeout(attempt.timer);
    this.current = ConnectionState.Open;
    this.retries = 0;
    this.owner.log('log', `Connected to ${describeUrl(this.target!)}`);
    attempt.resolve();
    this.owner.opened();
  }

  private handleClose(code: number, text: string): void {
    const attempt = this.attempt;
    const closingAs = this.closingAs;
    const error = this.transportError;
    this.transport = undefined;
    this.attempt = undefined;
    this.current = ConnectionState.Closed;
    this.closingAs = undefined;
    this.transportError = undefined;
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;

    let keepTrying = true;
    if (attempt === undefined) {
      this.owner.ended(code, text, closingAs, error);
    } else {
      clearTimeout(attempt.timer);
      keepTrying = attempt.keepTrying;
      const failure = this.connectError(attempt.error ?? error, code);
      attempt.reject(failure);
      if (keepTrying && this.wanted && closingAs === undefined) this.owner.attemptFailed(failure);
    }

    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const resolve of waiters) resolve();

    // A listener may have called connect() or close() meanwhile.
    if (this.current !== ConnectionState.Closed) return;
    if (!this.wanted || closingAs === EtpDisconnectReason.ClientClosed) return;
    if (keepTrying && this.settings.reconnect !== undefined) {
      this.scheduleRetry(this.settings.reconnect);
      return;
    }
    this.wanted = false;
    if (keepTrying) this.owner.log('warn', 'Reconnection is off: the client stays disconnected');
  }

  private scheduleRetry(policy: ReconnectPolicy): void {
    if (this.retries >= policy.maxAttempts) {
      this.wanted = false;
      this.owner.log('error', `Gave up reconnecting after ${this.retries} attempts`);
      return;
    }
    const delay = reconnectDelay(policy, this.retries);
    this.retries++;
    this.owner.log(
      'warn',
      `Reconnecting to ${describeUrl(this.target!)} in ${delay} ms (attempt ${this.retries})`,
    );
    this.current = ConnectionState.Waiting;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.current = ConnectionState.Closed;
      if (this.wanted) this.open(true);
    }, delay);
  }

  private cancelRetry(): void {
    if (this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.current = ConnectionState.Closed;
  }

  private connectError(error: Error | undefined, code?: number): EtpConnectError {
    const reason = error?.message ?? (code === undefined ? 'failed' : `closed with ${code}`);
    return new EtpConnectError(describeUrl(this.target ?? ''), reason, { cause: error });
  }
}
