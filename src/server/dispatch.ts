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
    runManual(host, socket, handler, body, event, ackEvent, ackId);
    return;
  }
  let result: unknown;
  try {
    result = host.metrics.runHandler(handler, body, undefined, event);
  } catch (error) {
    failed(host, socket, error, event, ackEvent, ackId);
    return;
  }
  if (result instanceof Promise) {
    result.then(
      (value: unknown) => respond(host, socket, value, event, ackEvent, ackId),
      (error: unknown) => failed(host, socket, error, event, ackEvent, ackId),
    );
  } else {
    respond(host, socket, result, event, ackEvent, ackId);
  }
}

function respond(
  host: DispatchHost,
  socket: EtpSocket,
  value: unknown,
  event: string,
  ackEvent: string,
  ackId: number,
): void {
  if (isObservable(value)) {
    respondStream(host, socket, value, event, ackEvent, ackId);
    return;
  }
  if (isWsResponse(value)) {
    emitResponse(host, socket, value, event);
    value = undefined;
  }
  if (ackId !== 0) sendAnswer(host, socket, value, event, ackEvent, ackId);
}

/**
 * An Observable result: every `{ event, data }` it yields is emitted; the first other value
 * answers the ack. When it ends without one, the ack goes out empty, so the peer never hangs.
 */
function respondStream(
  host: DispatchHost,
  socket: EtpSocket,
  stream: Observable<unknown>,
  event: string,
  ackEvent: string,
  ackId: number,
): void {
  let answered = ackId === 0;
  const answer = (value: unknown): void => {
    if (answered) return;
    answered = true;
    sendAnswer(host, socket, value, event, ackEvent, ackId);
  };
  stream.subscribe({
    next: (value) =>
      isWsResponse(value) ? emitResponse(host, socket, value, event) : answer(value),
    error: (error: unknown) => {
      host.reportHandlerFailure(error, socket, event);
      answer(undefined);
    },
    complete: () => answer(undefined),
  });
}

function runManual(
  host: DispatchHost,
  socket: EtpSocket,
  handler: WsMessageHandler,
  body: unknown,
  event: string,
  ackEvent: string,
  ackId: number,
): void {
  let answered = false;
  const ack: EtpAck =
    ackId === 0
      ? noAck
      : (response) => {
          if (answered) return;
          answered = true;
          sendAnswer(host, socket, response, event, ackEvent, ackId);
        };
  const onError = (error: unknown): void => {
    host.reportHandlerFailure(error, socket, event);
    ack(undefined);
  };
  try {
    const result: unknown = host.metrics.runHandler(handler, body, ack, event);
    if (result instanceof Promise) result.catch(onError);
  } catch (error) {
    onError(error);
  }
}

/** The handler's promise rejected (an exception filter rethrew): report, and still answer. */
function failed(
  host: DispatchHost,
  socket: EtpSocket,
  error: unknown,
  event: string,
  ackEvent: string,
  ackId: number,
): void {
  host.reportHandlerFailure(error, socket, event);
  if (ackId !== 0) sendEmptyAck(socket, ackEvent, ackId);
}

/** Writes an answer. A value the codec cannot encode (a BigInt, a cycle) is reported, and the
 * peer still gets an empty answer rather than none. */
function sendAnswer(
  host: DispatchHost,
  socket: EtpSocket,
  value: unknown,
  event: string,
  ackEvent: string,
  ackId: number,
): void {
  let data;
  try {
    data = socket.codec.encode(value);
  } catch (error) {
    host.reportHandlerFailure(error, socket, event);
    data = socket.codec.encode(undefined);
  }
  socket.sendFrame(encodeFrame(ackEvent, ackId, data));
}

/** Emits a handler's `{ event, data }` result; one the codec cannot encode is reported. */
function emitResponse(
  host: DispatchHost,
  socket: EtpSocket,
  value: WsResponse,
  event: string,
): void {
  try {
    socket.emit(value.event, value.data);
  } catch (error) {
    host.reportHandlerFailure(error, socket, event);
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
