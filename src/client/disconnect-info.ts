import {
  CLOSE_MESSAGE_TOO_BIG,
  EtpDisconnectReason,
  explainClose,
  recordedCloseCode,
} from '../protocol/close.js';
import type { EtpDisconnectInfo } from './client-options.js';

/**
 * How a client's connection ended. What the client did itself comes first; a close the client
 * did not start is the server's, unless it was an error or ended without a close frame.
 */
export function disconnectInfo(
  code: number,
  text: string,
  ownReason: EtpDisconnectReason | undefined,
  error: Error | undefined,
): EtpDisconnectInfo {
  const reason = explainClose(
    ownReason ?? (code === CLOSE_MESSAGE_TOO_BIG ? EtpDisconnectReason.MessageTooBig : undefined),
    code,
    error,
    EtpDisconnectReason.ServerClosed,
  );
  return {
    reason,
    closeCode: recordedCloseCode(reason, code),
    closeReason: text.length > 0 ? text : undefined,
    error,
  };
}
