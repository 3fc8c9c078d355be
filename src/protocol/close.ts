/**
 * Why a connection ended, in the few words Nest's `handleDisconnect(socket, reason)` carries.
 * The close code, close text and any error stay on the socket.
 */
export const EtpDisconnectReason = {
  /** The peer closed the connection. */
  ClientClosed: 'client closed',
  /** This side closed it: `close()`, shutdown. */
  ServerClosed: 'server closed',
  /** The peer did not answer a ping in time. */
  HeartbeatTimeout: 'heartbeat timeout',
  /** The peer sent a message larger than `maxPayload` (1009). */
  MessageTooBig: 'message too big',
  /** The peer fell further behind in reading than the gateway's `maxBufferedBytes`. */
  SlowConsumer: 'slow consumer',
  /** The connection broke (a socket error). */
  TransportError: 'transport error',
} as const;

export type EtpDisconnectReason = (typeof EtpDisconnectReason)[keyof typeof EtpDisconnectReason];

/**
 * @deprecated Renamed `EtpDisconnectReason`, with the prefix of every other public name; this
 * alias goes in the next minor version.
 */
export const DisconnectReason = EtpDisconnectReason;
/** @deprecated Renamed `EtpDisconnectReason`; this alias goes in the next minor version. */
export type DisconnectReason = EtpDisconnectReason;

/** One close status: the code on the wire, the close text sent with it, and what it means. */
export interface EtpCloseStatus {
  readonly code: number;
  /** The close text this side sends with the code; empty when none is sent (or none can be). */
  readonly reason: string;
  readonly meaning: string;
}

/**
 * Every close status either side uses or looks at, in one table: the code, the text sent with it,
 * and what it tells the peer. Code that closes a connection, or explains a close, reads it here.
 */
export const EtpClose = {
  Normal: {
    code: 1000,
    reason: '',
    meaning: 'An orderly end: `close()` without a code, and a shutdown by default.',
  },
  GoingAway: {
    code: 1001,
    reason: '',
    meaning: 'The endpoint goes away: a browser leaving the page, or `shutdownCloseCode: 1001`.',
  },
  NoStatus: {
    code: 1005,
    reason: '',
    meaning: "The peer closed without a status (the WebSocket API's plain `close()`); never sent.",
  },
  Abnormal: {
    code: 1006,
    reason: '',
    meaning: 'The connection ended without a close frame; never sent.',
  },
  SlowConsumer: {
    code: 1008,
    reason: EtpDisconnectReason.SlowConsumer,
    meaning:
      'Policy violation: the peer fell further behind in reading than `maxBufferedBytes`. It ' +
      'rarely sees the frame, which waits behind the backlog it does not read; the socket records it.',
  },
  MessageTooBig: {
    code: 1009,
    reason: EtpDisconnectReason.MessageTooBig,
    meaning:
      "A message larger than the receiver's `maxPayload`. `ws` sends it without text and " +
      'reports 1006 locally; both sides record 1009.',
  },
  RecoveryFailed: {
    code: 1011,
    reason: 'recovery failed',
    meaning: 'The server could not read what a recovering client missed.',
  },
  TryAgainLater: {
    code: 1013,
    reason: 'try again later',
    meaning: 'The client connected while the application was still starting.',
  },
  ServerShutdown: {
    code: 1000,
    reason: 'server shutdown',
    meaning:
      "The application is closing; the code is the gateway's `shutdownCloseCode` (1000 or 1001).",
  },
} as const satisfies Record<string, EtpCloseStatus>;

/** Close status of a connection that ended without a close frame. */
export const CLOSE_ABNORMAL = EtpClose.Abnormal.code;
/** Close status of a message larger than the receiver accepts. */
export const CLOSE_MESSAGE_TOO_BIG = EtpClose.MessageTooBig.code;

/** `ws`'s error code for a message over `maxPayload`: it closes with 1006 locally, 1009 on the wire. */
export const WS_MESSAGE_TOO_BIG = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

/** `readyState` of an open WebSocket, the same in `ws` and the WebSocket API. */
export const WEBSOCKET_OPEN = 1;

/**
 * The close status a connection is recorded with: the one this side sent when its own reason
 * chose it (`ws` reports 1006 locally for a message too big and for a connection it ended
 * without waiting for the peer), otherwise the one the close carried.
 */
export function recordedCloseCode(reason: EtpDisconnectReason, code: number): number {
  if (reason === EtpDisconnectReason.MessageTooBig) return EtpClose.MessageTooBig.code;
  if (reason === EtpDisconnectReason.SlowConsumer) return EtpClose.SlowConsumer.code;
  return code;
}

/** Close statuses of an orderly end: normal (1000), going away (1001), none given (1005). */
const NORMAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  EtpClose.Normal.code,
  EtpClose.GoingAway.code,
  EtpClose.NoStatus.code,
]);

/**
 * Tells a normal close from a failure. Takes a close code or anything carrying one (an
 * `EtpSocket`, the client's disconnect info). The reference's `etp.IsNormalClose` accepts 1000
 * only; this also accepts 1001, which a browser leaving the page and a gateway set to shut down
 * with `shutdownCloseCode: 1001` send, and 1005, which a peer closing without a status (the WebSocket API's plain `close()`)
 * produces: neither is a failure.
 */
export function isNormalClose(
  target: number | { readonly closeCode?: number } | undefined,
): boolean {
  const code = typeof target === 'number' ? target : target?.closeCode;
  return code !== undefined && NORMAL_CLOSE_CODES.has(code);
}

/**
 * Why a connection ended, from one side's point of view: the reason this side had when it
 * closed or dropped it; otherwise an error, or an end without a close frame, is a transport
 * error, and anything else an orderly close by the peer.
 */
export function explainClose(
  ownReason: EtpDisconnectReason | undefined,
  code: number,
  error: Error | undefined,
  peerClosed: EtpDisconnectReason,
): EtpDisconnectReason {
  if (ownReason !== undefined) return ownReason;
  if (error !== undefined || code === CLOSE_ABNORMAL) return EtpDisconnectReason.TransportError;
  return peerClosed;
}
