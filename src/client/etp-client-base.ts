import { resolveCodec, type EtpPayloadCodec } from '../protocol/codec.js';
import type { EtpDisconnectReason } from '../protocol/close.js';
import { EtpConnectionClosedError } from '../protocol/errors.js';
import type {
  EtpDefaultEventsMap,
  EtpEmitArgs,
  EtpEmitWithAckArgs,
  EtpEventAnswer,
  EtpEventNames,
  EtpEventsMap,
  EtpTypedEventHandler,
  EtpUntypedEventName,
} from '../protocol/event-map.js';
import { encodeFrame } from '../protocol/frame.js';
import { escapeLogText, peerReports, type LogSink } from '../protocol/log-limit.js';
import {
  DEFAULT_ACK_TIMEOUT,
  PendingAcks,
  type EmitWithAckOptions,
} from '../protocol/pending-acks.js';
import { PendingPings } from '../protocol/pending-pings.js';
import {
  DEFAULT_CLIENT_MAX_PAYLOAD,
  DEFAULT_CONNECT_TIMEOUT,
  type EtpClientBaseOptions,
  type EtpConnectListener,
  type EtpDisconnectListener,
  type EtpEventHandler,
  type EtpLogLevel,
} from './client-options.js';
import { ConnectionState } from './connection-state.js';
import { ConnectionEvents } from './connection-events.js';
import { Connection } from './connection.js';
import { logLevelOf, isPeerReport } from './errors.js';
import { ClientListeners } from './client-listeners.js';
import { IncomingEvents } from './incoming-events.js';
import { resolveReconnect } from './reconnect.js';
import type { ClientTransport, ClientTransportListener } from './transport.js';

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * The ETP client itself, over any WebSocket: frames, acknowledgements in both directions,
 * handlers and listeners; its `Connection` opens, closes and reopens the WebSocket.
 * `EtpClient` (Node, `ws`) and `EtpBrowserClient` (the browser's `WebSocket`) only supply
 * the transport.
 *
 * `EmitEvents` are the events the server handles (what this client emits), `ListenEvents` those
 * this client handles; without them names are strings and payloads untyped.
 */
export abstract class EtpClientBase<
  EmitEvents extends EtpEventsMap = EtpDefaultEventsMap,
  ListenEvents extends EtpEventsMap = EtpDefaultEventsMap,
> {
  /** The payload codec of the `codec` option: how data is decoded and encoded. */
  readonly codec: EtpPayloadCodec;

  protected readonly options: Readonly<EtpClientBaseOptions>;

  private readonly connection: Connection;
  private readonly incoming: IncomingEvents;
  /** What the connection reports, and what it reported last. */
  private readonly events: ConnectionEvents;
  private readonly listeners = new ClientListeners((error) =>
    this.log('error', 'An ETP client listener threw', error),
  );
  private readonly acks = new PendingAcks();
  private readonly pings = new PendingPings();
  private readonly logSink: LogSink = { warn: (line) => this.log('warn', line) };
  private readonly ackTimeout: number;

  protected constructor(url: string | undefined, options: EtpClientBaseOptions = {}) {
    this.options = options;
    this.codec = resolveCodec(options.codec);
    this.ackTimeout = options.ackTimeout ?? DEFAULT_ACK_TIMEOUT;
    this.incoming = new IncomingEvents(this.codec, this.acks, {
      isOpen: (transport) => transport === this.connection.openTransport,
      reportError: (error) => this.reportError(error),
    });
    const connectTimeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
    this.events = new ConnectionEvents({
      incoming: this.incoming,
      listeners: this.listeners,
      acks: this.acks,
      pings: this.pings,
      maxPayload: options.maxPayload ?? DEFAULT_CLIENT_MAX_PAYLOAD,
      recovery: options.recovery !== false,
      helloTimeout: connectTimeout || DEFAULT_CONNECT_TIMEOUT,
      createTransport: (target, listener) => this.createTransport(target, listener),
      log: (level, message, error) => this.log(level, message, error),
      reportError: (error) => this.reportError(error),
    });
    this.connection = new Connection(this.events, {
      url,
      query: options.query,
      connectTimeout,
      reconnect: resolveReconnect(options.reconnect),
    });
    this.events.connection = this.connection;
  }

  /** Opens the platform's WebSocket to `url`, reporting to `listener`. */
  protected abstract createTransport(
    url: string,
    listener: ClientTransportListener,
  ): ClientTransport;

  /** Where the client writes what happens to it; silent unless a subclass logs. */
  protected log(_level: EtpLogLevel, _message: string, _error?: unknown): void {}

  /** The server's URL: the configured one, or the last one passed to `connect`. */
  protected get url(): string | undefined {
    return this.connection.url;
  }

  /** Whether the connection is open (and not being closed). */
  get connected(): boolean {
    return this.connection.state === ConnectionState.Open;
  }

  /** What the last connection's `onConnect` listeners were told: whether it recovered. */
  get recovered(): boolean {
    return this.events.recovery?.recovered ?? false;
  }

  /** Close status of the last connection, once it has ended. */
  get closeCode(): number | undefined {
    return this.events.lastClose?.closeCode;
  }

  /** Close text of the last connection, if any. */
  get closeReason(): string | undefined {
    return this.events.lastClose?.closeReason;
  }

  /** The transport error that ended the last connection, if any. */
  get closeError(): Error | undefined {
    return this.events.lastClose?.error;
  }

  /** Why the last connection ended. */
  get disconnectReason(): EtpDisconnectReason | undefined {
    return this.events.lastClose?.reason;
  }

  /**
   * Connects to `url` (or the configured URL); resolves once the connection is open and
   * rejects with an `EtpConnectError` when it cannot be opened. Already connected: resolves.
   */
  connect(url?: string): Promise<void> {
    return this.start(url, false);
  }

  /** Sets the handler of an event, replacing any previous one. */
  on<E extends EtpEventNames<ListenEvents>>(
    event: E,
    handler: EtpTypedEventHandler<ListenEvents, E>,
  ): this;
  on<T = unknown>(event: EtpUntypedEventName<ListenEvents>, handler: EtpEventHandler<T>): this;
  on(event: string, handler: EtpEventHandler<never>): this {
    this.incoming.handlers.set(event, handler as EtpEventHandler);
    return this;
  }

  /** Removes the handler of an event. */
  off(event: EtpEventNames<ListenEvents> | EtpUntypedEventName<ListenEvents>): this {
    this.incoming.handlers.delete(event);
    return this;
  }

  /** Handles every event that has no handler of its own. */
  onUnknownEvent(handler: EtpEventHandler | undefined): this {
    this.incoming.unknownHandler = handler;
    return this;
  }

  /**
   * Runs each time a connection opens, reconnections included, saying whether it recovered what
   * the lost one missed (`recovery` option). After a reconnect with positions to present it runs
   * at the server's verdict, after `connect()` resolved.
   */
  onConnect(listener: EtpConnectListener): this {
    this.listeners.connect.push(listener);
    return this;
  }

  /** Runs each time an open connection ends, with why and the close status. */
  onDisconnect(listener: EtpDisconnectListener): this {
    this.listeners.disconnect.push(listener);
    return this;
  }

  /**
   * Runs with every error the client meets: failed connection attempts while reconnecting,
   * malformed frames, undecodable payloads, unknown events, failing handlers.
   */
  onError(listener: (error: Error) => void): this {
    this.listeners.error.push(listener);
    return this;
  }

  /** Sends an event. Rejects when the client is not connected: nothing is queued. */
  emit<E extends EtpEventNames<EmitEvents>>(
    event: E,
    ...data: EtpEmitArgs<EmitEvents, E>
  ): Promise<void>;
  emit(event: EtpUntypedEventName<EmitEvents>, data?: unknown): Promise<void>;
  emit(event: string, data?: unknown): Promise<void> {
    const transport = this.connection.openTransport;
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
  emitWithAck<E extends EtpEventNames<EmitEvents>>(
    event: E,
    ...args: EtpEmitWithAckArgs<EmitEvents, E>
  ): Promise<EtpEventAnswer<EmitEvents, E>>;
  emitWithAck<T = unknown>(
    event: EtpUntypedEventName<EmitEvents>,
    data?: unknown,
    options?: EmitWithAckOptions,
  ): Promise<T>;
  async emitWithAck(event: string, data?: unknown, options?: EmitWithAckOptions): Promise<unknown> {
    const transport = this.connection.openTransport;
    if (transport === undefined) throw this.notConnected(event);
    const payload = this.codec.encode(data);
    const answer = await this.acks.request(
      event,
      options?.timeout === undefined ? { ...options, timeout: this.ackTimeout } : options,
      (ackId) => transport.send(encodeFrame(event, ackId, payload)),
    );
    return this.codec.decode(answer);
  }

  /**
   * Closes the connection (status 1000) and stops reconnecting; resolves once it is closed.
   * Requests still waiting for an answer are rejected.
   */
  close(): Promise<void> {
    this.events.recovery?.reset();
    return this.connection.close();
  }

  /** Sends a WebSocket ping and resolves on the pong. */
  protected pingServer(timeout = this.ackTimeout): Promise<void> {
    const transport = this.connection.openTransport;
    if (transport === undefined) return Promise.reject(this.notConnected('ping'));
    const ping = transport.ping;
    if (ping === undefined) return Promise.reject(new Error('This WebSocket cannot send pings'));
    return this.pings.wait(timeout, ping);
  }

  /**
   * Connects; with `keepTrying`, a failed attempt is retried in the background (when
   * reconnection is on) while the returned promise still reports the first attempt.
   */
  protected start(url: string | undefined, keepTrying: boolean): Promise<void> {
    return this.connection.start(url, keepTrying);
  }

  /** Logs an error and hands it to the `onError` listeners. */
  protected reportError(error: Error): void {
    // What the server sends is rate-limited and escaped before it reaches the log.
    if (!isPeerReport(error) || peerReports.allow(this, this.logSink)) {
      this.log(logLevelOf(error), escapeLogText(error.message), error);
    }
    this.listeners.failed(error);
  }

  private notConnected(event: string): EtpConnectionClosedError {
    return new EtpConnectionClosedError(
      event,
      this.connection.reconnecting ? 'the client is reconnecting' : 'the client is not connected',
    );
  }
}
