import type { WsMessageHandler } from '@nestjs/common';
import type { WsResponse } from '@nestjs/websockets';
import { isObservable, type Observable } from 'rxjs';
import { ackEventOf } from '../protocol/ack.js';
import { EtpPayloadError, type EtpFrameError } from '../protocol/errors.js';
import { encodeFrame } from '../protocol/frame.js';
import { HANDLER_ANSWERS, type EtpReceiver } from '../protocol/receive.js';
import type { GatewayMetrics, HandlerCall } from '../metrics/gateway-metrics.js';
import type { EtpSocket } from './etp-socket.js';
import type { GatewayReports } from './gateway-reports.js';
import type { HandlerRoute, HandlerRoutes } from './handler-routes.js';

/** An acknowledgement sent by hand through `@Ack()`; a second call is ignored. */
export type EtpAck = (response?: unknown) => void;

const callHandler: HandlerCall = (handler, body, ack, event) => handler.callback(body, ack, event);

const noAck: EtpAck = () => undefined;

/**
 * A gateway's side of the receive loop (`receiveMessage`): what Nest adds to an ETP event.
 * Handlers are the ones Nest bound to each socket, behind its pipes, guards and filters; a
 * result may be an Observable or a `WsResponse`; an `@Ack()` handler answers by itself. One per
 * gateway server, shared by its connections.
 */
export class GatewayDispatch implements EtpReceiver<EtpSocket, HandlerRoute> {
  private readonly callHandler: HandlerCall;

  constructor(
    private readonly routes: HandlerRoutes,
    private readonly metrics: GatewayMetrics,
    private readonly reports: GatewayReports,
  ) {
    this.callHandler = metrics.wrapHandlerCall(callHandler);
  }

  settleAck(socket: EtpSocket, ackId: number, data: Uint8Array | null): void {
    if (socket.settleAck(ackId, data)) this.metrics.ackAnswered();
  }

  routeOf(_socket: EtpSocket, event: string): HandlerRoute | undefined {
    this.metrics.eventReceived(event);
    return this.routes.byEvent.get(event) ?? this.routes.unknown;
  }

  decode(socket: EtpSocket, data: Uint8Array | null): unknown {
    return socket.codec.decode(data);
  }

  call(
    socket: EtpSocket,
    route: HandlerRoute,
    event: string,
    body: unknown,
    ackId: number,
  ): unknown {
    // A socket Nest never bound handlers to (dropped while the app was starting) has none.
    const handler = socket.handlers[route.slot]?.[route.index];
    if (handler === undefined) return undefined;
    if (!route.manualAck) return this.callHandler(handler, body, undefined, event);
    this.callAnswering(socket, handler, route, event, body, ackId);
    return HANDLER_ANSWERS;
  }

  answer(
    socket: EtpSocket,
    route: HandlerRoute | undefined,
    event: string,
    ackId: number,
    value: unknown,
  ): void {
    const ackEvent = this.ackEventFor(route, event);
    if (isObservable(value)) {
      this.answerStream(socket, event, ackEvent, ackId, value);
      return;
    }
    if (isWsResponse(value)) {
      this.emitResponse(socket, event, value);
      value = undefined;
    }
    if (ackId !== 0) this.send(socket, event, ackEvent, ackId, value);
  }

  malformed(socket: EtpSocket, error: EtpFrameError | EtpPayloadError): void {
    this.reports.malformed(error, socket);
    if (error instanceof EtpPayloadError) {
      socket.emit('exception', {
        status: 'error',
        message: error.message,
        cause: { pattern: error.event },
      });
    }
  }

  unknownEvent(socket: EtpSocket, event: string): void {
    this.reports.unknownEvent(event, socket);
  }

  handlerFailed(socket: EtpSocket, event: string, error: unknown): void {
    this.reports.handlerFailure(error, socket, event);
  }

  /** The answer's event: the route's, made once, or the event's own for the catch-all route. */
  private ackEventFor(route: HandlerRoute | undefined, event: string): string {
    return route === undefined || route === this.routes.unknown
      ? ackEventOf(event)
      : route.ackEvent;
  }

  /** An `@Ack()` handler: it gets the function that answers, which sends once at most. */
  private callAnswering(
    socket: EtpSocket,
    handler: WsMessageHandler,
    route: HandlerRoute,
    event: string,
    body: unknown,
    ackId: number,
  ): void {
    let answered = false;
    const ack: EtpAck =
      ackId === 0
        ? noAck
        : (response) => {
            if (answered) return;
            answered = true;
            this.send(socket, event, this.ackEventFor(route, event), ackId, response);
          };
    const onError = (error: unknown): void => {
      this.reports.handlerFailure(error, socket, event);
      ack(undefined);
    };
    try {
      const result: unknown = this.callHandler(handler, body, ack, event);
      if (result instanceof Promise) result.catch(onError);
    } catch (error) {
      onError(error);
    }
  }

  /**
   * An Observable result: every `{ event, data }` it yields is emitted; the first other value
   * answers the ack. When it ends without one, the ack goes out empty, so the peer never hangs.
   */
  private answerStream(
    socket: EtpSocket,
    event: string,
    ackEvent: string,
    ackId: number,
    stream: Observable<unknown>,
  ): void {
    let answered = ackId === 0;
    const answerOnce = (value: unknown): void => {
      if (answered) return;
      answered = true;
      this.send(socket, event, ackEvent, ackId, value);
    };
    stream.subscribe({
      next: (value) =>
        isWsResponse(value) ? this.emitResponse(socket, event, value) : answerOnce(value),
      error: (error: unknown) => {
        this.reports.handlerFailure(error, socket, event);
        answerOnce(undefined);
      },
      complete: () => answerOnce(undefined),
    });
  }

  /** Writes an answer. A value the codec cannot encode (a BigInt, a cycle) is reported, and the
   * peer still gets an empty answer rather than none. */
  private send(
    socket: EtpSocket,
    event: string,
    ackEvent: string,
    ackId: number,
    value: unknown,
  ): void {
    const codec = socket.codec;
    let data;
    try {
      data = codec.encode(value);
    } catch (error) {
      this.reports.handlerFailure(error, socket, event);
      data = codec.encode(undefined);
    }
    socket.sendFrame(encodeFrame(ackEvent, ackId, data));
  }

  /** Emits a handler's `{ event, data }` result; one the codec cannot encode is reported. */
  private emitResponse(socket: EtpSocket, event: string, value: WsResponse): void {
    try {
      socket.emit(value.event, value.data);
    } catch (error) {
      this.reports.handlerFailure(error, socket, event);
    }
  }
}

function isWsResponse(value: unknown): value is WsResponse {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<WsResponse>;
  return (
    typeof candidate.event === 'string' && 'data' in candidate && Object.keys(value).length === 2
  );
}
