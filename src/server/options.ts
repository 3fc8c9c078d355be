import { EtpClose } from '../protocol/close.js';
import { resolveCodec, type EtpCodecName, type EtpPayloadCodec } from '../protocol/codec.js';
import { DEFAULT_ACK_TIMEOUT } from '../protocol/pending-acks.js';
import type { EtpAuthorize } from './authorize.js';
import type { EtpSocket } from './etp-socket.js';

/** Which browser origins may open a connection, in the shape of Nest's `cors.origin`. */
export type EtpOrigin =
  boolean | string | RegExp | ReadonlyArray<string | RegExp> | ((origin: string) => boolean);

/**
 * The heartbeat: a ping every `interval` ms; a peer that has not answered `timeout` ms later is
 * dropped.
 */
export interface EtpHeartbeatOptions {
  /** Milliseconds between two pings of every connection. Default 25 000. */
  interval?: number;
  /** Milliseconds a connection has to answer a ping with a pong. Default 20 000. */
  timeout?: number;
}

/** The ETP settings of one gateway, given in `@WebSocketGateway({ ... })`. */
export interface EtpGatewayOptions {
  /** The URL path the gateway serves. Without one it takes every path no other gateway claims. */
  path?: string;
  /** How data parts become handler values and back. Default `'auto'`. */
  codec?: EtpCodecName | EtpPayloadCodec;
  /** Largest message accepted, in bytes; a larger one closes the connection with 1009. Default 1 MiB. */
  maxPayload?: number;
  /**
   * Browser origins allowed besides the request's own host. Clients that send no `Origin`
   * (Go, Node) are always accepted; `true` allows every origin. Default: same host only.
   */
  cors?: {
    /** The origins allowed: `true`, a string, a RegExp, an array of them, or a function. */
    origin?: EtpOrigin;
  };
  /** Liveness pings; `false` switches them off. */
  heartbeat?: EtpHeartbeatOptions | false;
  /**
   * How far a peer may fall behind in reading, in bytes waiting to be written to it. Past it the
   * connection is closed (1008, reason `'slow consumer'`); above a quarter of it the server stops
   * reading from the peer until its backlog has drained. Default 4 MiB.
   */
  maxBufferedBytes?: number;
  /**
   * Decides on each handshake before the upgrade: a function `(request) => …` or an
   * `@Injectable()` class with `authorize(request)` (taken from the application's container, so
   * it can inject providers). Sync or async. `false` refuses with 401, a thrown `HttpException`
   * with its status, any other error with 500 (logged); anything else becomes `socket.auth`.
   */
  authorize?: EtpAuthorize;
  /** Time `authorize` has for one handshake, in ms; past it the handshake is refused with 503. Default 10 000. */
  authorizeTimeout?: number;
  /**
   * How long closing the application waits for each peer to answer the server's close frame,
   * in ms, before it ends the connections that have not. Default 5 000.
   */
  shutdownTimeout?: number;
  /**
   * Close status sent to every connection when the application closes: 1000 (normal closure,
   * what the Go reference server sends, and the only status its `IsNormalClose` accepts) or 1001
   * (going away, which browsers report as such). The close text is `'server shutdown'` either
   * way. Default 1000.
   */
  shutdownCloseCode?: 1000 | 1001;
  /**
   * How many messages per second the server handles from one connection. Past this budget the
   * server stops reading from the peer until the budget has refilled: nothing is dropped, the
   * peer is slowed down by TCP, and the other connections keep their share of the process. The
   * budget refills continuously and holds a burst of a twentieth of a second's worth (at least 1);
   * every message counts, answers to `emitWithAck` included. `0` or `Infinity`: no limit.
   * Default 20 000, several times what a busy client sends.
   */
  maxEventsPerSecond?: number;
  /** Default timeout of `socket.emitWithAck`, in ms (0: none). Default 30 000. */
  ackTimeout?: number;
  /**
   * Called with every protocol error of a connection (malformed frame, undecodable payload,
   * unknown event with no fallback) besides the log line. It must not throw.
   */
  onError?: (error: Error, socket: EtpSocket) => void;
  /** OpenTelemetry metrics, recorded when the app registers a MeterProvider; `false`: none. */
  metrics?: boolean;
}

export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
export const DEFAULT_HEARTBEAT_INTERVAL = 25_000;
export const DEFAULT_HEARTBEAT_TIMEOUT = 20_000;
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
export const DEFAULT_AUTHORIZE_TIMEOUT = 10_000;
export const DEFAULT_SHUTDOWN_TIMEOUT = 5_000;
export const DEFAULT_SHUTDOWN_CLOSE_CODE = EtpClose.ServerShutdown.code as 1000 | 1001;
export const DEFAULT_MAX_EVENTS_PER_SECOND = 20_000;

/** The share of `maxBufferedBytes` above which the server stops reading from a peer. */
const PAUSE_READING_SHARE = 4;

// Every option with its default (`undefined`: none). A key added to EtpGatewayOptions and missing
// here fails to compile, and the list of known keys is read from it, so neither can fall behind.
const DEFAULTS: { readonly [Key in keyof Required<EtpGatewayOptions>]: EtpGatewayOptions[Key] } = {
  path: undefined,
  codec: undefined,
  maxPayload: DEFAULT_MAX_PAYLOAD,
  cors: undefined,
  heartbeat: { interval: DEFAULT_HEARTBEAT_INTERVAL, timeout: DEFAULT_HEARTBEAT_TIMEOUT },
  maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES,
  authorize: undefined,
  authorizeTimeout: DEFAULT_AUTHORIZE_TIMEOUT,
  shutdownTimeout: DEFAULT_SHUTDOWN_TIMEOUT,
  shutdownCloseCode: DEFAULT_SHUTDOWN_CLOSE_CODE,
  maxEventsPerSecond: DEFAULT_MAX_EVENTS_PER_SECOND,
  ackTimeout: DEFAULT_ACK_TIMEOUT,
  onError: undefined,
  metrics: undefined,
};

/** Every key a gateway's options may hold: ETP's, and those Nest itself reads. */
export const GATEWAY_OPTION_KEYS: ReadonlySet<string> = new Set([
  ...Object.keys(DEFAULTS),
  'namespace',
  'server',
]);

/** A gateway's options with the defaults filled in and every value checked. */
export interface ResolvedGatewayOptions {
  readonly path: string | undefined;
  readonly codec: EtpPayloadCodec;
  readonly maxPayload: number;
  readonly cors: EtpGatewayOptions['cors'];
  /** `false`: no heartbeat. */
  readonly heartbeat: Readonly<Required<EtpHeartbeatOptions>> | false;
  readonly maxBufferedBytes: number;
  /** The backlog above which the server stops reading from a peer. */
  readonly pauseReadingAt: number;
  readonly authorize: EtpAuthorize | undefined;
  readonly authorizeTimeout: number;
  readonly shutdownTimeout: number;
  readonly shutdownCloseCode: 1000 | 1001;
  /** Messages per second handled from one connection; 0: no limit. */
  readonly maxEventsPerSecond: number;
  readonly ackTimeout: number;
  readonly onError: EtpGatewayOptions['onError'];
  readonly metrics: boolean | undefined;
}

/**
 * Fills in a gateway's defaults and checks every value, throwing at the first one that is wrong:
 * a gateway with a wrong option fails the bootstrap rather than its first connection.
 */
export function resolveGatewayOptions(
  options: Readonly<EtpGatewayOptions>,
): ResolvedGatewayOptions {
  const codec = resolveCodec(options.codec);
  const maxBufferedBytes = checkMaxBufferedBytes(
    options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
  );
  const maxEventsPerSecond = checkMaxEventsPerSecond(
    options.maxEventsPerSecond ?? DEFAULT_MAX_EVENTS_PER_SECOND,
  );
  const shutdownCloseCode = checkShutdownCloseCode(
    options.shutdownCloseCode ?? DEFAULT_SHUTDOWN_CLOSE_CODE,
  );
  const heartbeat = options.heartbeat ?? {};
  const authorizeTimeout = options.authorizeTimeout ?? DEFAULT_AUTHORIZE_TIMEOUT;
  // Only an authorizer waits on it: without one the value is never used.
  if (options.authorize !== undefined) checkAuthorizeTimeout(authorizeTimeout);
  return Object.freeze({
    path: options.path,
    codec,
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    cors: options.cors,
    heartbeat:
      heartbeat === false
        ? false
        : Object.freeze({
            interval: checkHeartbeatPeriod(
              'interval',
              heartbeat.interval ?? DEFAULT_HEARTBEAT_INTERVAL,
            ),
            timeout: checkHeartbeatPeriod(
              'timeout',
              heartbeat.timeout ?? DEFAULT_HEARTBEAT_TIMEOUT,
            ),
          }),
    maxBufferedBytes,
    pauseReadingAt: Math.floor(maxBufferedBytes / PAUSE_READING_SHARE),
    authorize: options.authorize,
    authorizeTimeout,
    shutdownTimeout: options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT,
    shutdownCloseCode,
    maxEventsPerSecond,
    ackTimeout: options.ackTimeout ?? DEFAULT_ACK_TIMEOUT,
    onError: options.onError,
    metrics: options.metrics,
  });
}

export function checkShutdownCloseCode(value: number): 1000 | 1001 {
  if (value !== 1000 && value !== 1001) {
    throw new Error(`shutdownCloseCode must be 1000 or 1001, got ${String(value)}`);
  }
  return value;
}

export function checkMaxBufferedBytes(value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`maxBufferedBytes must be a positive number of bytes, got ${String(value)}`);
  }
  return value;
}

/** `maxEventsPerSecond` as the server uses it: a positive rate, or 0 for no limit. */
export function checkMaxEventsPerSecond(value: number): number {
  if (Number.isNaN(value) || value < 0) {
    throw new Error(
      `maxEventsPerSecond must be a positive number, 0 or Infinity (no limit), got ${String(value)}`,
    );
  }
  return value === Infinity ? 0 : value;
}

export function checkAuthorizeTimeout(value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`authorizeTimeout must be a positive number of ms, got ${String(value)}`);
  }
  return value;
}

function checkHeartbeatPeriod(name: 'interval' | 'timeout', value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(
      `heartbeat.${name} must be a positive number of milliseconds, got ${String(value)}`,
    );
  }
  return value;
}
