/**
 * The browser entry (`nestjs-etp/browser`): the ETP client over the browser's `WebSocket`, and
 * what it needs of the protocol. Nothing here imports Node, `ws` or Nest.
 */
export { EtpBrowserClient, type EtpBrowserClientOptions } from './client/etp-browser-client.js';
export type { EtpWebSocketClass } from './client/browser-transport.js';
export type {
  EtpClientBaseOptions,
  EtpConnectInfo,
  EtpConnectListener,
  EtpDisconnectInfo,
  EtpDisconnectListener,
  EtpEventHandler,
  EtpQuery,
} from './client/client-options.js';
export type { EtpReconnectOptions } from './client/reconnect.js';
export { EtpConnectError, EtpHandlerError, EtpUnknownEventError } from './client/errors.js';
export { DisconnectReason, EtpDisconnectReason, isNormalClose } from './protocol/close.js';
export {
  EtpCodecs,
  autoCodec,
  jsonCodec,
  textCodec,
  binaryCodec,
  type EtpCodecName,
  type EtpPayloadCodec,
} from './protocol/codec.js';
export {
  EtpAckTimeoutError,
  EtpConnectionClosedError,
  EtpFrameError,
  EtpPayloadError,
} from './protocol/errors.js';
export { DEFAULT_ACK_TIMEOUT, type EmitWithAckOptions } from './protocol/pending-acks.js';
export type {
  EtpDefaultEventsMap,
  EtpEmitArgs,
  EtpEmitWithAckArgs,
  EtpEventAnswer,
  EtpEventNames,
  EtpEventPayload,
  EtpEventsMap,
  EtpTypedEventHandler,
  EtpUntypedEventName,
} from './protocol/event-map.js';
