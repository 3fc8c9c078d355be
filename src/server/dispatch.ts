import type { WsMessageHandler } from '@nestjs/common';
import type { WsResponse } from '@nestjs/websockets';
import { isObservable, type Observable } from 'rxjs';
import { ackEventOf, isAckEvent } from '../protocol/ack.js';
import { decodeFrame, encodeFrame } from '../protocol/frame.js';
import { EtpPayloadError } from '../protocol/errors.js';
import type { EtpSocket } from './etp-socket.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';

/**
 * Subscribe to this event with `@SubscribeMessage(ETP_UNKNOWN_EVENT)` to handle every event
 * no other handler of the gateway subscribes to.
 */
export const ETP_UNKNOWN_EVENT = '__etp_unknown_event__';

/** Where a subscribed event's handler sits in a socket's bound handler lists. */
export interface HandlerRoute {
  readonly slot: number;
  readonly index: number;
  readonly ackEvent: string;
  readonly manualAck: boolean;
}

/** What dispatch needs from the gateway server. */
export interface DispatchHost {
  readonly routes: ReadonlyMap<string, HandlerRoute>;
  readonly unknownRoute: HandlerRoute | undefined;
  readonly metrics: GatewayMetrics;
  reportMalformed(error: Error, socket: EtpSocket): void;
  reportUnknownEvent(event: string, socket: EtpSocket): void;
  reportHandlerFailure(error: unknown, socket: EtpSocket, event: string): void;
}

/** An acknowledgement sent by hand through `@Ack()`; a second call is ignored. */
export type EtpAck = (response?: unknown) => void;

const noAck: EtpAck = () => undefined;

/**
 * Handles one WebSocket message of a connection. Each message runs on its own: nothing here
 * waits for an earlier message's handler, so a slow handler holds back no other event.
 */
export function dispatchMessage(host: DispatchHost, socket: EtpSocket, bytes: Uint8Array): void {
  let frame;
  try {
    frame = decodeFrame(bytes);
  } catch (error) {
    host.reportMalformed(error as Error, socket);
    return;
  }
  const { event, ackId, data } = frame;
  if (isAckEvent(event)) {
    if (socket.settleAck(ackId, data)) host.metrics.ackAnswered();
    return;
  }

  host.metrics.eventReceived(event);
  const route = host.routes.get(event) ?? host.unknownRoute;
  if (route === undefined) {
    host.reportUnknownEvent(event, socket);
    if (ackId !== 0) sendEmptyAck(socket, ackEventOf(event), ackId);
    return;
  }
  const ackEvent = route === host.unknownRoute ? ackEventOf(event) : route.ackEvent;

  let body: unknown;
  try {
    body = socket.codec.decode(data);
  } catch (cause) {
    const error = new EtpPayloadError(event, { cause });
    host.reportMalformed(error, socket);
    socket.emit('exception', {
      status: 'error',
      message: error.message,
      cause: { pattern: event },
    });
    if (ackId !== 0) sendEmptyAck(socket, ackEvent, ackId);
    return;
  }

  // A socket Nest never bound handlers to (dropped while the app was starting) has none.
  const handler = socket.handlers[route.slot]?.[route.index];
  if (handler === undefined) {
    if (ackId !== 0) sendEmptyAck(socket, ackEvent, ackId);
    return;
  }
  if (route.manualAck) {
    new Reply(host, socket, event, ackEvent, ackId).runManual(handler, body);
    return;
  }
  let result: unknown;
  try {
    result = host.metrics.runHandler(handler, body, undefined, event);
  } catch (error) {
    new Reply(host, socket, event, ackEvent, ackId).failed(error);
    return;
  }
  if (result instanceof Promise) {
    const reply = new Reply(host, socket, event, ackEvent, ackId);
    result.then(
      (value: unknown) => reply.respond(value),
      (error: unknown) => reply.failed(error),
    );
  } else if (ackId !== 0 || (typeof result === 'object' && result !== null)) {
    // Only an answer or an object (a stream, an `{ event, data }`) needs anything sent.
    new Reply(host, socket, event, ackEvent, ackId).respond(result);
  }
}

/**
 * Where the outcome of one handled event goes: the socket that sent it, under the ack id it
 * asked for. One per handled message, shared by whatever the handler's result turns out to be.
 */
class Reply {
  constructor(
    private readonly host: DispatchHost,
    private readonly socket: EtpSocket,
    private readonly event: string,
    private readonly ackEvent: string,
    private readonly ackId: number,
  ) {}

  respond(value: unknown): void {
    if (isObservable(value)) {
      this.respondStream(value);
      return;
    }
    if (isWsResponse(value)) {
      this.emitResponse(value);
      value = undefined;
    }
    if (this.ackId !== 0) this.answer(value);
  }

  /**
   * An Observable result: every `{ event, data }` it yields is emitted; the first other value
   * answers the ack. When it ends without one, the ack goes out empty, so the peer never hangs.
   */
  private respondStream(stream: Observable<unknown>): void {
    let answered = this.ackId === 0;
    const answerOnce = (value: unknown): void => {
      if (answered) return;
      answered = true;
      this.answer(value);
    };
    stream.subscribe({
      next: (value) => (isWsResponse(value) ? this.emitResponse(value) : answerOnce(value)),
      error: (error: unknown) => {
        this.host.reportHandlerFailure(error, this.socket, this.event);
        answerOnce(undefined);
      },
      complete: () => answerOnce(undefined),
    });
  }

  runManual(handler: WsMessageHandler, body: unknown): void {
    let answered = false;
    const ack: EtpAck =
      this.ackId === 0
        ? noAck
        : (response) => {
            if (answered) return;
            answered = true;
            this.answer(response);
          };
    const onError = (error: unknown): void => {
      this.host.reportHandlerFailure(error, this.socket, this.event);
      ack(undefined);
    };
    try {
      const result: unknown = this.host.metrics.runHandler(handler, body, ack, this.event);
      if (result instanceof Promise) result.catch(onError);
    } catch (error) {
      onError(error);
    }
  }

  /** The handler threw or its promise rejected (a filter rethrew): report, and still answer. */
  failed(error: unknown): void {
    this.host.reportHandlerFailure(error, this.socket, this.event);
    if (this.ackId !== 0) sendEmptyAck(this.socket, this.ackEvent, this.ackId);
  }

  /** Writes an answer. A value the codec cannot encode (a BigInt, a cycle) is reported, and the
   * peer still gets an empty answer rather than none. */
  private answer(value: unknown): void {
    const codec = this.socket.codec;
    let data;
    try {
      data = codec.encode(value);
    } catch (error) {
      this.host.reportHandlerFailure(error, this.socket, this.event);
      data = codec.encode(undefined);
    }
    this.socket.sendFrame(encodeFrame(this.ackEvent, this.ackId, data));
  }

  /** Emits a handler's `{ event, data }` result; one the codec cannot encode is reported. */
  private emitResponse(value: WsResponse): void {
    try {
      this.socket.emit(value.event, value.data);
    } catch (error) {
      this.host.reportHandlerFailure(error, this.socket, this.event);
    }
  }
}

/** An answer with nothing to say, written as the codec writes nothing (`null` for strict JSON). */
function sendEmptyAck(socket: EtpSocket, ackEvent: string, ackId: number): void {
  socket.sendFrame(encodeFrame(ackEvent, ackId, socket.codec.encode(undefined)));
}

function isWsResponse(value: unknown): value is WsResponse {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<WsResponse>;
  return (
    typeof candidate.event === 'string' && 'data' in candidate && Object.keys(value).length === 2
  );
}
