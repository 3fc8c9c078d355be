import { isAckEvent } from './ack.js';
import { EtpPayloadError, type EtpFrameError } from './errors.js';
import { decodeFrame } from './frame.js';

/**
 * What a handler's call returns when the handler answers by itself (Nest's `@Ack()`): the loop
 * then sends nothing for it, even when the handler fails.
 */
export const HANDLER_ANSWERS = Symbol('etp.handlerAnswers');

/**
 * One side of ETP connections as the receive loop sees it: a gateway server or a client. `Peer`
 * is the connection a message came in on; `Route` is what an event is handled by. Each hook is
 * one step of the loop, so a side says what it does at that step and nothing about the order.
 */
export interface EtpReceiver<Peer, Route> {
  /** An answer to one of this side's own requests came in. */
  settleAck(peer: Peer, ackId: number, data: Uint8Array | null): void;
  /** What handles `event`, or `undefined` when nothing does. */
  routeOf(peer: Peer, event: string): Route | undefined;
  /** The event's data as its handler gets it; throws when the codec refuses it. */
  decode(peer: Peer, data: Uint8Array | null): unknown;
  /**
   * Calls the handler. A value or a promise of one is the answer; `HANDLER_ANSWERS` says the
   * handler answers by itself. A throw or a rejection is a handler failure.
   */
  call(peer: Peer, route: Route, event: string, body: unknown, ackId: number): unknown;
  /**
   * Sends the outcome of an event: called when the peer asked for an answer (`ackId` is not 0)
   * or when the outcome is an object, which a side may have more to do with (a gateway emits
   * a `WsResponse`). `undefined` is the empty answer, the one that lets a waiting peer go on.
   */
  answer(peer: Peer, route: Route | undefined, event: string, ackId: number, value: unknown): void;
  /** A message that is not an ETP frame, or an event's data the codec refused. */
  malformed(peer: Peer, error: EtpFrameError | EtpPayloadError): void;
  /** An event nothing handles. */
  unknownEvent(peer: Peer, event: string): void;
  /** A handler threw or its promise rejected. */
  handlerFailed(peer: Peer, event: string, error: unknown): void;
}

/**
 * Handles one WebSocket message: decodes the frame, settles an answer to a request of this
 * side, or routes an event to its handler and sends what the handler returns. A peer that asked
 * for an answer always gets one, empty when nothing handled the event or the handler failed.
 * Each message runs on its own: nothing here waits for an earlier message's handler, so a slow
 * handler holds back no other event.
 */
export function receiveMessage<Peer, Route>(
  receiver: EtpReceiver<Peer, Route>,
  peer: Peer,
  bytes: Uint8Array,
): void {
  try {
    let frame;
    try {
      frame = decodeFrame(bytes);
    } catch (error) {
      receiver.malformed(peer, error as EtpFrameError);
      return;
    }
    const { event, ackId, data } = frame;
    if (isAckEvent(event)) {
      receiver.settleAck(peer, ackId, data);
      return;
    }

    const route = receiver.routeOf(peer, event);
    if (route === undefined) {
      receiver.unknownEvent(peer, event);
      if (ackId !== 0) receiver.answer(peer, undefined, event, ackId, undefined);
      return;
    }

    let body: unknown;
    try {
      body = receiver.decode(peer, data);
    } catch (cause) {
      receiver.malformed(peer, new EtpPayloadError(event, { cause }));
      if (ackId !== 0) receiver.answer(peer, route, event, ackId, undefined);
      return;
    }

    let result: unknown;
    try {
      result = receiver.call(peer, route, event, body, ackId);
    } catch (error) {
      failed(receiver, peer, route, event, ackId, error);
      return;
    }
    if (result === HANDLER_ANSWERS) return;
    if (isThenable(result)) {
      result.then(
        (value: unknown) => {
          if (ackId !== 0 || isObject(value))
            answerLater(receiver, peer, route, event, ackId, value);
        },
        (error: unknown) => failLater(receiver, peer, route, event, ackId, error),
      );
    } else if (ackId !== 0 || isObject(result)) {
      receiver.answer(peer, route, event, ackId, result);
    }
  } catch {
    // What throws here is a side's own report (an application logger that fails) or a defect:
    // the caller is `ws`, and a throw into it would bring the whole program down. The connection
    // goes on.
  }
}

/** Answers once a handler's promise resolved; an answer that throws is the handler's failure. */
function answerLater<Peer, Route>(
  receiver: EtpReceiver<Peer, Route>,
  peer: Peer,
  route: Route,
  event: string,
  ackId: number,
  value: unknown,
): void {
  try {
    receiver.answer(peer, route, event, ackId, value);
  } catch (error) {
    // The answer itself failed: reported, and not tried again.
    failLater(receiver, peer, route, event, 0, error);
  }
}

/**
 * A failure after a handler's promise: what its report throws must not become an unhandled
 * rejection, which ends a Node program.
 */
function failLater<Peer, Route>(
  receiver: EtpReceiver<Peer, Route>,
  peer: Peer,
  route: Route,
  event: string,
  ackId: number,
  error: unknown,
): void {
  try {
    failed(receiver, peer, route, event, ackId, error);
  } catch {
    // Nothing left to tell it to.
  }
}

function failed<Peer, Route>(
  receiver: EtpReceiver<Peer, Route>,
  peer: Peer,
  route: Route,
  event: string,
  ackId: number,
  error: unknown,
): void {
  receiver.handlerFailed(peer, event, error);
  if (ackId !== 0) receiver.answer(peer, route, event, ackId, undefined);
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** A promise, or any object with a `then` method (a client handler may return either). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (isObject(value) && typeof (value as { then?: unknown }).then === 'function')
  );
}
