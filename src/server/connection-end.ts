import {
  EtpDisconnectReason,
  explainClose,
  recordedCloseCode,
  WS_MESSAGE_TOO_BIG,
} from '../protocol/close.js';

/** What the server itself did to a connection before it ended. */
export interface ServerActions {
  readonly slowConsumer: boolean;
  readonly heartbeatExpired: boolean;
  readonly closedByServer: boolean;
}

/** How a connection ended, as the socket shows it once closed. */
export interface ConnectionEnd {
  readonly code: number;
  readonly text: string | undefined;
  readonly reason: EtpDisconnectReason;
}

/**
 * Why a connection ended: what the server did first (it knows best why it closed), then what the
 * close status and error say. The code is the one the peer was sent when the server chose it.
 */
export function explainConnectionEnd(
  actions: ServerActions,
  code: number,
  text: Buffer,
  error: Error | undefined,
): ConnectionEnd {
  const tooBig = (error as { code?: string } | undefined)?.code === WS_MESSAGE_TOO_BIG;
  const own = actions.slowConsumer
    ? EtpDisconnectReason.SlowConsumer
    : actions.heartbeatExpired
      ? EtpDisconnectReason.HeartbeatTimeout
      : tooBig
        ? EtpDisconnectReason.MessageTooBig
        : actions.closedByServer
          ? EtpDisconnectReason.ServerClosed
          : undefined;
  const reason = explainClose(own, code, error, EtpDisconnectReason.ClientClosed);
  return {
    code: recordedCloseCode(reason, code),
    text: text.length > 0 ? text.toString('utf8') : undefined,
    reason,
  };
}
