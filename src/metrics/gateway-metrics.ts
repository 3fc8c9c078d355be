import type { Attributes } from '@opentelemetry/api';
import type { WsMessageHandler } from '@nestjs/common';
import { EtpAckTimeoutError, EtpPayloadError } from '../protocol/errors.js';
import { resolveInstruments, type EtpInstruments } from './instruments.js';
import type { Tally } from './tallies.js';
import {
  ETP_METRICS_ANY_PATH,
  ETP_METRICS_UNKNOWN_EVENT,
  EtpMetricAttributes as Keys,
  SLOW_CONSUMER_REASON,
} from './names.js';

/** How a gateway calls one of the handlers Nest bound. */
export type HandlerCall = (
  handler: Pick<WsMessageHandler, 'callback'>,
  body: unknown,
  ack: ((response?: unknown) => void) | undefined,
  event: string,
) => unknown;

/**
 * What one gateway server records. Each method is one call at the place it describes; when
 * metrics are off every method is empty, so an event pays for a call and nothing more.
 */
export interface GatewayMetrics {
  connectionOpened(): void;
  connectionClosed(reason: string | undefined): void;
  eventReceived(event: string): void;
  /**
   * The gateway's way of calling a handler, timed until its result or promise settles when
   * metrics are on; when they are off, `call` itself.
   */
  wrapHandlerCall(call: HandlerCall): HandlerCall;
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
  wrapHandlerCall: (call) => call,
  malformed() {},
  ackAnswered() {},
  ackFailed: rethrow,
  broadcast() {},
};

/**
 * Every count this gateway adds to is looked up once (per gateway, per event name, per reason)
 * and then incremented in place: recording allocates nothing and does not call into the SDK,
 * except for the duration histogram. Only names the gateway subscribes to get their own count.
 */
class RecordingGatewayMetrics implements GatewayMetrics {
  private readonly gateway: Attributes;
  private readonly open: Tally;
  private readonly opened: Tally;
  private readonly closedBy = new Map<string, Tally>();
  private readonly slowConsumers: Tally;
  private readonly received = new Map<string, Tally>();
  private readonly receivedUnknown: Tally;
  private readonly durations = new Map<string, Attributes>();
  private readonly unknownEvent: Attributes;
  private readonly frameErrors: Tally;
  private readonly payloadErrors: Tally;
  private readonly answered: Tally;
  private readonly timedOut: Tally;
  private readonly broadcasts: Tally;
  private readonly broadcastSockets: Tally;

  constructor(
    private readonly instruments: EtpInstruments,
    path: string,
    private readonly subscribed: ReadonlyMap<string, unknown>,
  ) {
    const gateway = (this.gateway = { [Keys.GatewayPath]: path });
    this.open = instruments.connections.of(gateway);
    this.opened = instruments.connectionsOpened.of(gateway);
    this.slowConsumers = instruments.slowConsumersDropped.of(gateway);
    this.unknownEvent = this.withGateway(Keys.EventName, ETP_METRICS_UNKNOWN_EVENT);
    this.receivedUnknown = instruments.eventsReceived.of(this.unknownEvent);
    this.frameErrors = instruments.malformedFrames.of(this.withGateway(Keys.ErrorType, 'frame'));
    this.payloadErrors = instruments.malformedFrames.of(
      this.withGateway(Keys.ErrorType, 'payload'),
    );
    this.answered = instruments.acksAnswered.of(gateway);
    this.timedOut = instruments.acksTimedOut.of(gateway);
    this.broadcasts = instruments.broadcasts.of(gateway);
    this.broadcastSockets = instruments.broadcastSockets.of(gateway);
  }

  connectionOpened(): void {
    this.open.value++;
    this.opened.value++;
  }

  connectionClosed(reason = 'closed'): void {
    this.open.value--;
    let closed = this.closedBy.get(reason);
    if (closed === undefined) {
      // Reasons are the package's own constants, never text from the peer: the map stays small.
      closed = this.instruments.connectionsClosed.of(
        this.withGateway(Keys.DisconnectReason, reason),
      );
      this.closedBy.set(reason, closed);
    }
    closed.value++;
    if (reason === SLOW_CONSUMER_REASON) this.slowConsumers.value++;
  }

  eventReceived(event: string): void {
    let received = this.received.get(event);
    if (received === undefined) {
      if (!this.subscribed.has(event)) {
        this.receivedUnknown.value++;
        return;
      }
      received = this.instruments.eventsReceived.of(this.eventAttributes(event));
      this.received.set(event, received);
    }
    received.value++;
  }

  wrapHandlerCall(call: HandlerCall): HandlerCall {
    return (handler, body, ack, event) => {
      const started = performance.now();
      let result: unknown;
      try {
        result = call(handler, body, ack, event);
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
    };
  }

  malformed(error: Error): void {
    if (error instanceof EtpPayloadError) this.payloadErrors.value++;
    else this.frameErrors.value++;
  }

  ackAnswered(): void {
    this.answered.value++;
  }

  readonly ackFailed = (error: unknown): never => {
    if (error instanceof EtpAckTimeoutError) this.timedOut.value++;
    throw error;
  };

  broadcast(sockets: number): void {
    this.broadcasts.value++;
    this.broadcastSockets.value += sockets;
  }

  private handled(event: string, started: number): void {
    const seconds = (performance.now() - started) / 1000;
    this.instruments.handlerDuration.record(seconds, this.eventAttributes(event));
  }

  private eventAttributes(event: string): Attributes {
    const known = this.durations.get(event);
    if (known !== undefined) return known;
    if (!this.subscribed.has(event)) return this.unknownEvent;
    const attributes = this.withGateway(Keys.EventName, event);
    this.durations.set(event, attributes);
    return attributes;
  }

  private withGateway(key: string, value: string): Attributes {
    return { ...this.gateway, [key]: value };
  }
}
