import { ackEventOf, isAckEvent } from '../protocol/ack.js';
import type { EtpPayloadCodec } from '../protocol/codec.js';
import { EtpPayloadError, type EtpFrameError } from '../protocol/errors.js';
import { decodeFrame, encodeFrame } from '../protocol/frame.js';
import type { PendingAcks } from '../protocol/pending-acks.js';
import type { EtpEventHandler } from './client-options.js';
import { EtpHandlerError, EtpUnknownEventError } from './errors.js';
import type { ClientTransport } from './transport.js';

/** What the events need of the client they arrive at. */
export interface IncomingEventsOwner {
  /** Whether this is still the open connection: an answer never goes out on a later one. */
  isOpen(transport: ClientTransport): boolean;
  reportError(error: Error): void;
}

/** The client's side of incoming frames: its handlers, the answers they give, acks settled. */
export class IncomingEvents {
  readonly handlers = new Map<string, EtpEventHandler>();
  unknownHandler: EtpEventHandler | undefined;

  constructor(
    private readonly codec: EtpPayloadCodec,
    private readonly acks: PendingAcks,
    private readonly owner: IncomingEventsOwner,
  ) {}

  /**
   * One incoming message. Each event runs on its own: a slow handler holds back no other, and
   * its answer goes out on the connection that asked, never on a later one.
   */
  handle(transport: ClientTransport, bytes: Uint8Array): void {
    let frame;
    try {
      frame = decodeFrame(bytes);
    } catch (error) {
      this.owner.reportError(error as EtpFrameError);
      return;
    }
    const { event, ackId, data } = frame;
    if (isAckEvent(event)) {
      this.acks.settle(ackId, data);
      return;
    }
    const handler = this.handlers.get(event) ?? this.unknownHandler;
    if (handler === undefined) {
      this.owner.reportError(new EtpUnknownEventError(event));
      if (ackId !== 0) this.answer(transport, event, ackId, undefined);
      return;
    }
    let body: unknown;
    try {
      body = this.codec.decode(data);
    } catch (cause) {
      this.owner.reportError(new EtpPayloadError(event, { cause }));
      if (ackId !== 0) this.answer(transport, event, ackId, undefined);
      return;
    }
    let result: unknown;
    try {
      result = handler(body, event);
    } catch (error) {
      this.handlerFailed(transport, event, ackId, error);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (value: unknown) => {
          if (ackId !== 0) this.answer(transport, event, ackId, value);
        },
        (error: unknown) => this.handlerFailed(transport, event, ackId, error),
      );
    } else if (ackId !== 0) {
      this.answer(transport, event, ackId, result);
    }
  }

  private answer(transport: ClientTransport, event: string, ackId: number, value: unknown): void {
    if (!this.owner.isOpen(transport)) return;
    let payload;
    try {
      payload = this.codec.encode(value);
    } catch (error) {
      this.owner.reportError(new EtpHandlerError(event, { cause: error }));
      payload = undefined;
    }
    try {
      transport.send(encodeFrame(ackEventOf(event), ackId, payload));
    } catch {
      // The connection is closing: the server will not wait for this answer any more.
    }
  }

  private handlerFailed(
    transport: ClientTransport,
    event: string,
    ackId: number,
    error: unknown,
  ): void {
    this.owner.reportError(new EtpHandlerError(event, { cause: error }));
    if (ackId !== 0) this.answer(transport, event, ackId, undefined);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { then?: unknown }).then === 'function')
  );
}
