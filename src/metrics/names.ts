import { EtpClose } from '../protocol/close.js';

/**
 * The names of the OpenTelemetry metrics a gateway records, for dashboards and alerts. With the
 * Prometheus exporter a dot becomes an underscore, and counters gain `_total`
 * (`etp.server.events.received` is scraped as `etp_server_events_received_total`).
 */
export const EtpMetricNames = {
  /** UpDownCounter `{connection}`: connections open now. */
  Connections: 'etp.server.connections',
  /** Counter `{connection}`: connections accepted. */
  ConnectionsOpened: 'etp.server.connections.opened',
  /** Counter `{connection}`: connections ended, by `etp.disconnect.reason`. */
  ConnectionsClosed: 'etp.server.connections.closed',
  /** Counter `{event}`: events received, by `etp.event.name`. */
  EventsReceived: 'etp.server.events.received',
  /** Histogram `s`: time a handler took, by `etp.event.name`. */
  HandlerDuration: 'etp.server.handler.duration',
  /** Counter `{ack}`: answers to the server's `emitWithAck` that reached a waiting request. */
  AcksAnswered: 'etp.server.acks.answered',
  /** Counter `{ack}`: `emitWithAck` requests that got no answer in time. */
  AcksTimedOut: 'etp.server.acks.timed_out',
  /** Counter `{broadcast}`: broadcasts sent. */
  Broadcasts: 'etp.server.broadcasts',
  /** Counter `{socket}`: connections the broadcasts were written to. */
  BroadcastSockets: 'etp.server.broadcast.sockets',
  /** Counter `{frame}`: messages that were not ETP frames, or whose data the codec refused. */
  MalformedFrames: 'etp.server.frames.malformed',
  /** Counter `{connection}`: connections closed for reading too slowly. */
  SlowConsumersDropped: 'etp.server.slow_consumers.dropped',
  /** Counter `{message}`: messages published to the broker, by `messaging.system`. */
  BrokerMessagesPublished: 'etp.broker.messages.published',
  /** Counter `{message}`: messages received from the broker, by `messaging.system`. */
  BrokerMessagesReceived: 'etp.broker.messages.received',
  /**
   * Counter `{message}`: messages from other instances dropped unused, by `messaging.system` and
   * `error.type` (`unreadable`, `unsigned`, `bad_signature`, `replayed`, `shape`, `overload`,
   * `failed`).
   */
  BrokerMessagesDropped: 'etp.broker.messages.dropped',
  /**
   * Counter `{broadcast}`: broadcasts lost between instances, by `messaging.system`: counted by
   * the sender for one it could not hand to Redis while other instances were known, and by a
   * receiver for each broadcast of another instance it missed (a gap in that sender's numbers).
   */
  BrokerBroadcastsLost: 'etp.broker.broadcasts.lost',
} as const;

/** The attribute (label) keys of those metrics. Every value comes from a small, fixed set. */
export const EtpMetricAttributes = {
  /** The gateway's `path` option, `*` for a gateway without one. */
  GatewayPath: 'etp.gateway.path',
  /** An event a gateway subscribes to, or {@link ETP_METRICS_UNKNOWN_EVENT} for any other. */
  EventName: 'etp.event.name',
  /** A `DisconnectReason`, as `handleDisconnect` receives it. */
  DisconnectReason: 'etp.disconnect.reason',
  /**
   * `frame` (not an ETP frame) or `payload` (the codec refused the data); for a message dropped
   * by a broker, why it was.
   */
  ErrorType: 'error.type',
  /** The broker: `redis`. */
  MessagingSystem: 'messaging.system',
} as const;

/**
 * The one `etp.event.name` value of every event the gateway does not subscribe to: a peer that
 * sends made-up names cannot grow the number of time series.
 */
export const ETP_METRICS_UNKNOWN_EVENT = 'unknown';

/** `etp.gateway.path` of a gateway that serves every path no other gateway claims. */
export const ETP_METRICS_ANY_PATH = '*';

/** The disconnect reason of a connection closed for reading too slowly. */
export const SLOW_CONSUMER_REASON = EtpClose.SlowConsumer.reason;
