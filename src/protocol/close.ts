/**
 * Why a connection ended, in the few words Nest's `handleDisconnect(socket, reason)` carries.
 * The close code, close text and any error stay on the socket.
 */
export const DisconnectReason = {
  ClientClosed: 'client closed',
  ServerClosed: 'server closed',
  HeartbeatTimeout: 'heartbeat timeout',
  MessageTooBig: 'message too big',
  /** The peer fell further behind in reading than the gateway's `maxBufferedBytes`. */
  SlowConsumer: 'slow consumer',
  TransportError: 'transport error',
} as const;

export type DisconnectReason = (typeof DisconnectReason)[keyof typeof DisconnectReason];

/** Close statuses of an orderly end: normal (1000), going away (1001), none given (1005). */
const NORMAL_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001, 1005]);

/**
 * Tells a normal close from a failure, as the reference's `etp.IsNormalClose` does. Takes a
 * close code or anything carrying one (an `EtpSocket`, the client's disconnect info).
 */
export function isNormalClose(
  target: number | { readonly closeCode?: number } | undefined,
): boolean {
  const code = typeof target === 'number' ? target : target?.closeCode;
  return code !== undefined && NORMAL_CLOSE_CODES.has(code);
}
