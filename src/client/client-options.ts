import type { EtpCodecName, EtpPayloadCodec } from '../protocol/codec.js';
import type { EtpDisconnectReason } from '../protocol/close.js';
import type { EtpReconnectOptions } from './reconnect.js';

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
  /**
   * Connection-state recovery: each reconnect after a lost connection asks the server (one with
   * `recovery` in `EtpModule`) to replay the room broadcasts missed meanwhile, in order, once,
   * before anything newer; `onConnect` and `recovered` say whether it did. The client keeps its
   * position in each room for that; `close()` forgets them. With positions to present, the
   * `onConnect` listeners wait for the server's verdict: its first frame, or `connectTimeout`
   * (10 s when that is 0) at the most. A server without recovery says nothing and the client
   * goes on as a plain one, with `recovered: false`. Default `true`; `false`: no handshake
   * parameter, no extension frame, exactly a client without the feature.
   */
  recovery?: boolean;
}

/** What `onConnect` listeners get, each time a connection opens. */
export interface EtpConnectInfo {
  /**
   * `true`: the connection took over from the one that was lost, and every room broadcast
   * missed meanwhile follows, before anything newer. `false`: a first connect, or what was missed
   * could not be replayed (too long away, history lost, recovery off on either side): resync.
   */
  readonly recovered: boolean;
}

/** What `onConnect` calls after every connection that opens. */
export type EtpConnectListener = (info: EtpConnectInfo) => void;

/**
 * Handles one incoming event. Its return value (or what its promise resolves to) answers the
 * server when the server asked for an answer; `undefined` answers with no data.
 */
export type EtpEventHandler<T = unknown> = (data: T, event: string) => unknown;

/** How a connection ended: `isNormalClose(info)` tells a normal close from a failure. */
export interface EtpDisconnectInfo {
  /** Why it ended, in the words of `handleDisconnect`. */
  readonly reason: EtpDisconnectReason;
  /** Close status (1006 when the connection ended without a close frame). */
  readonly closeCode: number;
  /** The close frame's reason text, when there was one. */
  readonly closeReason: string | undefined;
  /** The error that ended the connection, if one did. */
  readonly error: Error | undefined;
}

/** What `onDisconnect` calls after every connection that ends. */
export type EtpDisconnectListener = (reason: EtpDisconnectReason, info: EtpDisconnectInfo) => void;

export type EtpLogLevel = 'log' | 'debug' | 'warn' | 'error';

export const DEFAULT_CLIENT_MAX_PAYLOAD = 1024 * 1024;
export const DEFAULT_CONNECT_TIMEOUT = 10_000;
