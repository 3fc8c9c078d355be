import type { EtpCodecName, EtpPayloadCodec } from '../protocol/codec.js';
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
   * How long closing the application waits for each peer to answer the server's close frame
   * (1001), in ms, before it ends the connections that have not. Default 5 000.
   */
  shutdownTimeout?: number;
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

/** Every key a gateway's options may hold: ETP's, and those Nest itself reads. */
export const GATEWAY_OPTION_KEYS: ReadonlySet<string> = new Set([
  'path',
  'codec',
  'maxPayload',
  'cors',
  'heartbeat',
  'maxBufferedBytes',
  'authorize',
  'authorizeTimeout',
  'shutdownTimeout',
  'ackTimeout',
  'onError',
  'namespace',
  'server',
] satisfies Array<keyof EtpGatewayOptions | 'namespace' | 'server'>);

export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
export const DEFAULT_HEARTBEAT_INTERVAL = 25_000;
export const DEFAULT_HEARTBEAT_TIMEOUT = 20_000;
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
export const DEFAULT_SHUTDOWN_TIMEOUT = 5_000;
