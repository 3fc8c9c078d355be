import type { Attributes } from '@opentelemetry/api';
import type { WsMessageHandler } from '@nestjs/common';
import { EtpAckTimeoutError, EtpPayloadError } from '../protocol/errors.js';
import { resolveInstruments, type EtpInstruments } from './instruments.js';
import {
  ETP_METRICS_ANY_PATH,
  ETP_METRICS_UNKNOWN_EVENT,
  EtpMetricAttributes as Keys,
  SLOW_CONSUMER_REASON,
} from './names.js';

type Handler = Pick<WsMessageHandler, 'callback'>;

/**
 * What one gateway server records. Each method is one call at the place it describes; when
 * metrics are off every method is empty, so an event pays for a call and nothing more.
 */
export interface GatewayMetrics {
  connectionOpened(): void;
  connectionClosed(reason: string | undefined): void;
  eventReceived(event: string): void;
  /** Calls a handler, and when metrics are on times it until its result or promise settles. */
  runHandler(handler: Handler, body: unknown, ack: unknown, event: string): unknown;
  malformed(error: Error): void;
  ackAnswered(): void;
  /** A `.catch` for `emitWithAck`: counts a timeout, and rethrows whatever it gets. */
  readonly ackFailed: (error: unknown) => never;
  broadcast(sockets: number): void;
}

/**
 * The metrics of a gateway: recording ones when the application registered a MeterProvider
 * before the gateway was created, and the gateway's `metrics` option is not `false`.
 */
export function createGatewayMetrics(
  path: string | undefined,
  subscribed: ReadonlyMap<string, unknown>,
  enabled: boolean | undefined,
): GatewayMetrics {
  const instruments = enabled === false ? undefined : resolveInstruments();
  return instruments === undefined
    ? NO_GATEWAY_METRICS
    : new RecordingGatewayMetrics(instruments, path ?? ETP_METRICS_ANY_PATH, subscribed);
}

const rethrow = (error: unknown): never => {
  throw error;
};

const NO_GATEWAY_METRICS: GatewayMetrics = {
  connectionOpened() {},
  connectionClosed() {},
  eventReceived() {},
  runHandler: (handler, body, ack, event) => handler.callback(body, ack, event),
  malformed() {},
  ackAnswered() {},
  ackFailed: rethrow,
  broadcast() {},
};

/**
 * Attribute objects are made once per gateway, event name and reason and then reused, so
 * recording allocates nothing. Only names the gateway subscribes to get their own object.
 */
class RecordingGatewayMetrics implements GatewayMetrics {
  private readonly gateway: Attributes;
  private readonly unknownEvent: Attributes;
  private readonly byEvent = new Map<string, Attributes>();
  private readonly byReason = new Map<string, Attributes>();
  private readonly frameError: Attributes;
  private readonly payloadError: Attributes;

  constructor(
    private readonly instruments: EtpInstruments,
    path: string,
    private readonly subscribed: ReadonlyMap<string, unknown>,
  ) {
    this.gateway = { [Keys.GatewayPath]: path };
    this.unknownEvent = this.withGateway(Keys.EventName, ETP_METRICS_UNKNOWN_EVENT);
    this.frameError = this.withGateway(Keys.ErrorType, 'frame');
    this.payloadError = this.withGateway(Keys.ErrorType, 'payload');
  }

  connectionOpened(): void {
    this.instruments.connections.add(1, this.gateway);
    this.instruments.connectionsOpened.add(1, this.gateway);
  }

  connectionClosed(reason = 'closed'): void {
    this.instruments.connections.add(-1, this.gateway);
    let attributes = this.byReason.get(reason);
    if (attributes === undefined) {
      // Reasons are the package's own constants, never text from the peer: the map stays small.
      attributes = this.withGateway(Keys.DisconnectReason, reason);
      this.byReason.set(reason, attributes);
    }
    this.instruments.connectionsClosed.add(1, attributes);
    if (reason === SLOW_CONSUMER_REASON) this.instruments.slowConsumersDropped.add(1, this.gateway);
  }

  eventReceived(event: string): void {
    this.instruments.eventsReceived.add(1, this.eventAttributes(event));
  }

  runHandler(handler: Handler, body: unknown, ack: unknown, event: string): unknown {
    const started = performance.now();
    let result: unknown;
    try {
      result = handler.callback(body, ack, event);
    } catch (error) {
      this.handled(event, started);
      throw error;
    }
    if (result instanceof Promise) {
      const done = (): void => this.handled(event, started);
      // A branch of its own: the caller still gets the handler's promise, untouched.
      result.then(done, done);
    } else {
      this.handled(event, started);
    }
    return result;
  }

  malformed(error: Error): void {
    const attributes = error instanceof EtpPayloadError ? this.payloadError : this.frameError;
    this.instruments.malformedFrames.add(1, attributes);
  }

  ackAnswered(): void {
    this.instruments.acksAnswered.add(1, this.gateway);
  }

  readonly ackFailed = (error: unknown): never => {
    if (error instanceof EtpAckTimeoutError) this.instruments.acksTimedOut.add(1, this.gateway);
    throw error;
  };

  broadcast(sockets: number): void {
    this.instruments.broadcasts.add(1, this.gateway);
    this.instruments.broadcastSockets.add(sockets, this.gateway);
  }

  private handled(event: string, started: number): void {
    const seconds = (performance.now() - started) / 1000;
    this.instruments.handlerDuration.record(seconds, this.eventAttributes(event));
  }

  private eventAttributes(event: string): Attributes {
    const known = this.byEvent.get(event);
    if (known !== undefined) return known;
    if (!this.subscribed.has(event)) return this.unknownEvent;
    const attributes = this.withGateway(Keys.EventName, event);
    this.byEvent.set(event, attributes);
    return attributes;
  }

  private withGateway(key: string, value: string): Attributes {
    return { ...this.gateway, [key]: value };
  }
}
