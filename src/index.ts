export { EtpModule } from './etp.module.js';
export { EtpAdapter } from './server/etp-adapter.js';
export type { EtpGatewayStatus } from './server/etp-adapter.js';
export { EtpServer } from './server/etp-server.js';
export { EtpSocket } from './server/etp-socket.js';
export type { EtpHandshake } from './server/handshake.js';
export { type EtpAck } from './server/dispatch.js';
export { ETP_UNKNOWN_EVENT } from './server/handler-routes.js';
export { EtpEventName } from './server/etp-event-name.decorator.js';
export type { EtpGatewayOptions, EtpHeartbeatOptions, EtpOrigin } from './server/options.js';
export type { EtpAuthorize, EtpAuthorizeFunction, EtpAuthorizer } from './server/authorize.js';
export { EtpRoomsService } from './rooms/etp-rooms.service.js';
export { EtpBroadcastOperator } from './rooms/broadcast-operator.js';
export { EtpRemoteSocket } from './rooms/remote-socket.js';
export { EtpInMemoryBroker } from './rooms/in-memory-broker.js';
export { EtpLocalRooms } from './rooms/local-rooms.js';
export { EtpBroadcastTooLargeError, EtpRoomLimitError, EtpRoomNameError } from './rooms/errors.js';
export type {
  EtpBroadcastTarget,
  EtpBroker,
  EtpHistorySlice,
  EtpKeptBroadcast,
  EtpPosition,
  EtpRecoveryOptions,
  EtpSocketDescription,
} from './rooms/etp-broker.js';
export type { AckSink as EtpAckSink } from './rooms/ack-collector.js';
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
export { decodeFrame, encodeFrame, type EtpFrame } from './protocol/frame.js';
export { ACK_PREFIX, ackEventOf } from './protocol/ack.js';
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
export { EtpClient, type EtpClientOptions } from './client/etp-client.js';
export type { EtpClientBase } from './client/etp-client-base.js';
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
export { OnEtpEvent, type OnEtpEventOptions } from './client/on-etp-event.decorator.js';
export { InjectEtpClient, getEtpClientToken } from './client/tokens.js';
export {
  ETP_MODULE_OPTIONS,
  type EtpModuleAsyncOptions,
  type EtpModuleExtras,
  type EtpModuleOptions,
  type EtpOptionsFactory,
} from './etp-module.options.js';
export {
  EtpMetricAttributes,
  EtpMetricNames,
  ETP_METRICS_ANY_PATH,
  ETP_METRICS_UNKNOWN_EVENT,
} from './metrics/names.js';
