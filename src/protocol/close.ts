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

/** Close status of a connection that ended without a close frame. */
export const CLOSE_ABNORMAL = 1006;
/** Close status of a message larger than the receiver accepts. */
export const CLOSE_MESSAGE_TOO_BIG = 1009;

/** Close statuses of an orderly end: normal (1000), going away (1001), none given (1005). */
const NORMAL_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001, 1005]);

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
