import { ackEventOf, isAckEvent } from '../protocol/ack.js';
import { resolveCodec, type EtpCodecName, type EtpPayloadCodec } from '../protocol/codec.js';
import { DisconnectReason } from '../protocol/close.js';
import { EtpConnectionClosedError, EtpFrameError, EtpPayloadError } from '../protocol/errors.js';
import { decodeFrame, encodeFrame } from '../protocol/frame.js';
import { escapeLogText, peerReports, type LogSink } from '../protocol/log-limit.js';
import {
  DEFAULT_ACK_TIMEOUT,
  PendingAcks,
  type EmitWithAckOptions,
} from '../protocol/pending-acks.js';
import { describeUrl, EtpConnectError, EtpHandlerError, EtpUnknownEventError } from './errors.js';
import { reconnectDelay, resolveReconnect, type EtpReconnectOptions } from './reconnect.js';
import type { EtpTransport, EtpTransportListener } from './transport.js';

/** Query parameters of the handshake URL (a token, as the old JS client passes it). */
export type EtpQuery = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Settings shared by the Node and the browser client. */
export interface EtpClientBaseOptions {
  /** How data parts become handler values and back, as for a gateway. Default `'auto'`. */
  codec?: EtpCodecName | EtpPayloadCodec;
  /** Added to the URL's query string at every connection attempt. */
  query?: EtpQuery;
  /** Largest message accepted, in bytes; a larger one closes the connection with 1009. Default 1 MiB. */
  maxPayload?: number;
  /** Default timeout of `emitWithAck`, in ms (0: none). Default 30 000. */
  ackTimeout?: number;
  /** Time an attempt has to open, in ms (0: no limit). Default 10 000. */
  connectTimeout?: number;
  /**
   * Coming back after a lost connection, with exponential backoff and jitter. On by default;
   * `false` switches it off. A `close()` never reconnects.
   */
  reconnect?: boolean | EtpReconnectOptions;
}

/**
 * Handles one incoming event. Its return value (or what its promise resolves to) answers the
 * server when the server asked for an answer; `undefined` answers with no data.
 */
export type EtpEventHandler<T = unknown> = (data: T, event: string) => unknown;

/** How a connection ended: `isNormalClose(info)` tells a normal close from a failure. */
export interface EtpDisconnectInfo {
  readonly reason: DisconnectReason;
  /** Close status (1006 when the connection ended without a close frame). */
  readonly closeCode: number;
  readonly closeReason: string | undefined;
  readonly error: Error | undefined;
}

export type EtpDisconnectListener = (reason: DisconnectReason, info: EtpDisconnectInfo) => void;

export type EtpLogLevel = 'log' | 'debug' | 'warn' | 'error';

export const DEFAULT_CLIENT_MAX_PAYLOAD = 1024 * 1024;
export const DEFAULT_CONNECT_TIMEOUT = 10_000;

const CLOSE_GRACE_MS = 1_000;
const MESSAGE_TOO_BIG = 1009;
const NORMAL = 1000;
const RESOLVED: Promise<void> = Promise.resolve();
const ignore = (): void => undefined;

interface Attempt {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  /** Part of a reconnection loop: a failure schedules the next attempt. */
  readonly keepTrying: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  error: Error | undefined;
}

/**
 * The ETP client itself, over any WebSocket: frames, acknowledgements in both directions,
 * handlers, reconnection. `EtpClient` (Node, `ws`) and `EtpBrowserClient` (the browser's
 * `WebSocket`) only supply the transport.
 */
export abstract class EtpClientBase {
  readonly codec: EtpPayloadCodec;
  /** Close status of the last connection, once it has ended. */
  closeCode: number | undefined;
  /** Close text of the last connection, if any. */
  closeReason: string | undefined;
  /** The transport error that ended the last connection, if any. */
  closeError: Error | undefined;
  /** Why the last connection ended. */
  disconnectReason: DisconnectReason | undefined;

  protected url: string | undefined;
  protected readonly options: Readonly<EtpClientBaseOptions>;

  private readonly handlers = new Map<string, EtpEventHandler>();
  private unknownHandler: EtpEventHandler | undefined;
  private readonly connectListeners: Array<() => void> = [];
  private readonly disconnectListeners: EtpDisconnectListener[] = [];
  private readonly errorListeners: Array<(error: Error) => void> = [];
  private readonly acks = new PendingAcks();
  private readonly maxPayload: number;
  private readonly ackTimeout: number;
  private readonly connectTimeout: number;
  private readonly reconnect: ReturnType<typeof resolveReconnect>;

  private transport: EtpTransport | undefined;
  private isOpen = false;
  private attempt: Attempt | undefined;
  /** Whether the client should be connected: set by `connect`, cleared by `close`. */
  private active = false;
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Why this side is closing the current connection, if it is. */
  private closingAs: DisconnectReason | undefined;
  private transportError: Error | undefined;
  private closeWaiters: Array<() => void> = [];
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private pings: Array<() => void> = [];
  private readonly logSink: LogSink = { warn: (line) => this.log('warn', line) };

  protected constructor(url: string | undefined, options: EtpClientBaseOptions = {}) {
    this.url = url;
    this.options = options;
    this.codec = resolveCodec(options.codec);
    this.maxPayload = options.maxPayload ?? DEFAULT_CLIENT_MAX_PAYLOAD;
    this.ackTimeout = options.ackTimeout ?? DEFAULT_ACK_TIMEOUT;
    this.connectTimeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
    this.reconnect = resolveReconnect(options.reconnect);
  }

  /** Opens the platform's WebSocket to `url`, reporting to `listener`. */
  protected abstract createTransport(url: string, listener: EtpTransportListener): EtpTransport;

  /** Where the client writes what happens to it; silent unless a subclass logs. */
  protected log(_level: EtpLogLevel, _message: string, _error?: unknown): void {}

  /** Whether the connection is open (and not being closed). */
  get connected(): boolean {
    return this.isOpen && this.closingAs === undefined;
  }

  /**
   * Connects to `url` (or the configured URL); resolves once the connection is open and
   * rejects with an `EtpConnectError` when it cannot be opened. Already connected: resolves.
   */
  connect(url?: string): Promise<void> {
    return this.start(url, false);
  }

  /** Sets the handler of an event, replacing any previous one. */
  on<T = unknown>(event: string, handler: EtpEventHandler<T>): this {
    this.handlers.set(event, handler as EtpEventHandler);
    return this;
  }

  /** Removes the handler of an event. */
  off(event: string): this {
    this.handlers.delete(event);
    return this;
  }

  /** Handles every event that has no handler of its own. */
  onUnknownEvent(handler: EtpEventHandler | undefined): this {
    this.unknownHandler = handler;
    return this;
  }

  /** Runs each time a connection opens, reconnections included. */
  onConnect(listener: () => void): this {
    this.connectListeners.push(listener);
    return this;
  }

  /** Runs each time an open connection ends, with why and the close status. */
  onDisconnect(listener: EtpDisconnectListener): this {
    this.disconnectListeners.push(listener);
    return this;
  }

  /**
   * Runs with every error the client meets: failed connection attempts while reconnecting,
   * malformed frames, undecodable payloads, unknown events, failing handlers.
   */
  onError(listener: (error: Error) => void): this {
    this.errorListeners.push(listener);
    return this;
  }

  /** Sends an event. Rejects when the client is not connected: nothing is queued. */
  emit(event: string, data?: unknown): Promise<void> {
    const transport = this.openTransport();
    if (transport === undefined) return Promise.reject(this.notConnected(event));
    try {
      transport.send(encodeFrame(event, 0, this.codec.encode(data)));
    } catch (error) {
      return Promise.reject(error);
    }
    return RESOLVED;
  }

  /**
   * Sends an event and resolves with the server's answer, decoded by the codec. Rejects on
   * timeout (`EtpAckTimeoutError`), abort, or when the connection is lost first.
   */
  async emitWithAck<T = unknown>(
    event: string,
    data?: unknown,
    options?: EmitWithAckOptions,
  ): Promise<T> {
    const transport = this.openTransport();
    if (transport === undefined) throw this.notConnected(event);
    const payload = this.codec.encode(data);
    const answer = await this.acks.request(
      event,
      options?.timeout === undefined ? { ...options, timeout: this.ackTimeout } : options,
      (ackId) => transport.send(encodeFrame(event, ackId, payload)),
    );
    return this.codec.decode(answer) as T;
  }

  /**
   * Closes the connection (status 1000) and stops reconnecting; resolves once it is closed.
   * Requests still waiting for an answer are rejected.
   */
  close(): Promise<void> {
    this.active = false;
    this.cancelRetry();
    const transport = this.transport;
    if (transport === undefined) return RESOLVED;
    if (this.attempt !== undefined) this.attempt.error ??= new Error('closed before it opened');
    this.closingAs = DisconnectReason.ClientClosed;
    const closed = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (this.graceTimer === undefined) {
      this.graceTimer = setTimeout(() => transport.terminate(), CLOSE_GRACE_MS);
    }
    transport.close(NORMAL);
    return closed;
  }

  /** Sends a WebSocket ping and resolves on the pong. */
  protected pingServer(timeout = this.ackTimeout): Promise<void> {
    const transport = this.openTransport();
    if (transport === undefined) return Promise.reject(this.notConnected('ping'));
    const ping = transport.ping;
    if (ping === undefined) return Promise.reject(new Error('This WebSocket cannot send pings'));
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.pings.push(done);
      if (timeout > 0) {
        timer = setTimeout(() => {
          this.pings = this.pings.filter((one) => one !== done);
          reject(new Error(`No pong within ${timeout} ms`));
        }, timeout);
      }
      ping();
    });
  }

  /**
   * Connects; with `keepTrying`, a failed attempt is retried in the background (when
   * reconnection is on) while the returned promise still reports the first attempt.
   */
  protected start(url: string | undefined, keepTrying: boolean): Promise<void> {
    if (url !== undefined && url !== this.url) {
      if (this.transport !== undefined) {
        return Promise.reject(
          new Error(`Already connected to ${describeUrl(this.url!)}: close() first`),
        );
      }
      this.url = url;
    }
    if (this.url === undefined) {
      return Promise.reject(new TypeError('No URL to connect to: pass one to connect(url)'));
    }
    if (this.closingAs !== undefined) {
      // Closing still: connect again once it is closed.
      const closed = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
      return closed.then(() => this.start(url, keepTrying));
    }
    this.active = true;
    if (this.isOpen) return RESOLVED;
    if (this.attempt !== undefined) return this.attempt.promise;
    this.cancelRetry();
    return this.open(keepTrying || this.retries > 0).promise;
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

    let transport: EtpTransport | undefined;
    const listener: EtpTransportListener = {
      open: () => {
        if (transport === this.transport) this.handleOpen();
      },
      message: (bytes) => {
        if (transport === this.transport) this.handleMessage(transport!, bytes);
      },
      error: (error) => {
        if (transport === this.transport) this.transportError ??= error;
      },
      close: (code, reason) => {
        if (transport === this.transport) this.handleClose(code, reason);
      },
      pong: () => this.handlePong(),
    };
    try {
      transport = this.createTransport(withQuery(this.url!, this.options.query), listener);
    } catch (error) {
      this.attempt = undefined;
      reject(this.connectError(error as Error));
      return attempt;
    }
    this.transport = transport;
    if (this.connectTimeout > 0) {
      const timeout = this.connectTimeout;
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
    this.isOpen = true;
    this.retries = 0;
    this.log('log', `Connected to ${describeUrl(this.url!)}`);
    attempt.resolve();
    for (const listener of this.connectListeners) this.callListener(listener);
  }

  private handleClose(code: number, text: string): void {
    const wasOpen = this.isOpen;
    const closingAs = this.closingAs;
    const error = this.transportError;
    this.transport = undefined;
    this.isOpen = false;
    this.closingAs = undefined;
    this.transportError = undefined;
    this.pings = [];
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;

    let keepTrying = wasOpen;
    if (wasOpen) {
      const reason = explainClose(code, closingAs, error);
      this.closeCode = reason === DisconnectReason.MessageTooBig ? MESSAGE_TOO_BIG : code;
      this.closeReason = text.length > 0 ? text : undefined;
      this.closeError = error;
      this.disconnectReason = reason;
      this.acks.rejectAll(reason);
      const info: EtpDisconnectInfo = {
        reason,
        closeCode: this.closeCode,
        closeReason: this.closeReason,
        error,
      };
      this.log(
        reason === DisconnectReason.ClientClosed ? 'log' : 'warn',
        `Disconnected from ${describeUrl(this.url!)}: ${reason} (${this.closeCode}${this.closeReason === undefined ? '' : ` ${escapeLogText(this.closeReason)}`})`,
      );
      for (const listener of this.disconnectListeners) this.callListener(listener, reason, info);
    } else {
      const attempt = this.attempt!;
      this.attempt = undefined;
      clearTimeout(attempt.timer);
      keepTrying = attempt.keepTrying;
      const failure = this.connectError(attempt.error ?? error, code);
      attempt.reject(failure);
      if (keepTrying && this.active && closingAs === undefined) this.reportError(failure);
    }

    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const resolve of waiters) resolve();

    // A listener may have called connect() or close() meanwhile.
    if (this.transport !== undefined || this.retryTimer !== undefined) return;
    if (!this.active || closingAs === DisconnectReason.ClientClosed) return;
    if (keepTrying && this.reconnect !== undefined) {
      this.scheduleRetry();
      return;
    }
    this.active = false;
    if (keepTrying) this.log('warn', 'Reconnection is off: the client stays disconnected');
  }

  private scheduleRetry(): void {
    const policy = this.reconnect!;
    if (this.retries >= policy.maxAttempts) {
      this.active = false;
      this.log('error', `Gave up reconnecting after ${this.retries} attempts`);
      return;
    }
    const delay = reconnectDelay(policy, this.retries);
    this.retries++;
    this.log(
      'warn',
      `Reconnecting to ${describeUrl(this.url!)} in ${delay} ms (attempt ${this.retries})`,
    );
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.active && this.transport === undefined) this.open(true);
    }, delay);
  }

  private cancelRetry(): void {
    if (this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /**
   * One incoming message. Each event runs on its own: a slow handler holds back no other, and
   * its answer goes out on the connection that asked, never on a later one.
   */
  private handleMessage(transport: EtpTransport, bytes: Uint8Array): void {
    if (bytes.length > this.maxPayload) {
      this.closingAs = DisconnectReason.MessageTooBig;
      transport.close(MESSAGE_TOO_BIG, 'message too big');
      return;
    }
    let frame;
    try {
      frame = decodeFrame(bytes);
    } catch (error) {
      this.reportError(error as EtpFrameError);
      return;
    }
    const { event, ackId, data } = frame;
    if (isAckEvent(event)) {
      this.acks.settle(ackId, data);
      return;
    }
    const handler = this.handlers.get(event) ?? this.unknownHandler;
    if (handler === undefined) {
      this.reportError(new EtpUnknownEventError(event));
      if (ackId !== 0) this.answer(transport, event, ackId, undefined);
      return;
    }
    let body: unknown;
    try {
      body = this.codec.decode(data);
    } catch (cause) {
      this.reportError(new EtpPayloadError(event, { cause }));
      if (ackId !== 0) this.answer(transport, event, ackId, undefined);
      return;
    }
    let result: unknown;
    try {
      result = handler(body, event);
    } catch (error) {
      this.handlerFailed(transport, event, ackId, error);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (value: unknown) => {
          if (ackId !== 0) this.answer(transport, event, ackId, value);
        },
        (error: unknown) => this.handlerFailed(transport, event, ackId, error),
      );
    } else if (ackId !== 0) {
      this.answer(transport, event, ackId, result);
    }
  }

  private answer(transport: EtpTransport, event: string, ackId: number, value: unknown): void {
    if (transport !== this.openTransport()) return;
    let payload;
    try {
      payload = this.codec.encode(value);
    } catch (error) {
      this.reportError(new EtpHandlerError(event, { cause: error }));
      payload = undefined;
    }
    try {
      transport.send(encodeFrame(ackEventOf(event), ackId, payload));
    } catch {
      // The connection is closing: the server will not wait for this answer any more.
    }
  }

  private handlerFailed(
    transport: EtpTransport,
    event: string,
    ackId: number,
    error: unknown,
  ): void {
    this.reportError(new EtpHandlerError(event, { cause: error }));
    if (ackId !== 0) this.answer(transport, event, ackId, undefined);
  }

  private handlePong(): void {
    const pings = this.pings;
    if (pings.length === 0) return;
    this.pings = [];
    for (const done of pings) done();
  }

  /** Logs an error and hands it to the `onError` listeners. */
  protected reportError(error: Error): void {
    // What the server sends is rate-limited and escaped before it reaches the log.
    if (!isPeerReport(error) || peerReports.allow(this, this.logSink)) {
      this.log(levelOf(error), escapeLogText(error.message), error);
    }
    for (const listener of this.errorListeners) this.callListener(listener, error);
  }

  private callListener<A extends unknown[]>(listener: (...args: A) => void, ...args: A): void {
    try {
      listener(...args);
    } catch (error) {
      this.log('error', 'An ETP client listener threw', error);
    }
  }

  private openTransport(): EtpTransport | undefined {
    return this.isOpen && this.closingAs === undefined ? this.transport : undefined;
  }

  private notConnected(event: string): EtpConnectionClosedError {
    return new EtpConnectionClosedError(
      event,
      this.retryTimer !== undefined || this.attempt !== undefined
        ? 'the client is reconnecting'
        : 'the client is not connected',
    );
  }

  private connectError(error: Error | undefined, code?: number): EtpConnectError {
    const reason = error?.message ?? (code === undefined ? 'failed' : `closed with ${code}`);
    return new EtpConnectError(describeUrl(this.url ?? ''), reason, { cause: error });
  }
}

function explainClose(
  code: number,
  closingAs: DisconnectReason | undefined,
  error: Error | undefined,
): DisconnectReason {
  if (closingAs !== undefined) return closingAs;
  if (code === MESSAGE_TOO_BIG) return DisconnectReason.MessageTooBig;
  if (error !== undefined || code === 1006) return DisconnectReason.TransportError;
  return DisconnectReason.ServerClosed;
}

function levelOf(error: Error): EtpLogLevel {
  if (error instanceof EtpHandlerError) return 'error';
  if (error instanceof EtpUnknownEventError) return 'debug';
  return 'warn';
}

function isPeerReport(error: Error): boolean {
  return (
    error instanceof EtpFrameError ||
    error instanceof EtpPayloadError ||
    error instanceof EtpUnknownEventError
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { then?: unknown }).then === 'function')
  );
}

/** The URL with the query parameters added (replacing any of the same name). */
export function withQuery(url: string, query: EtpQuery | undefined): string {
  if (query === undefined) return url;
  const entries = Object.entries(query).filter(([, value]) => value != null);
  if (entries.length === 0) return url;
  const parsed = new URL(url);
  for (const [key, value] of entries) parsed.searchParams.set(key, String(value));
  return parsed.toString();
}
