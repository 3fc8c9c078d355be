import { ackEventOf } from '../protocol/ack.js';
import type { EtpPayloadCodec } from '../protocol/codec.js';
import type { EtpFrameError, EtpPayloadError } from '../protocol/errors.js';
import { encodeFrame } from '../protocol/frame.js';
import type { PendingAcks } from '../protocol/pending-acks.js';
import { receiveMessage, type EtpReceiver } from '../protocol/receive.js';
import type { EtpEventHandler } from './client-options.js';
import { EtpHandlerError, EtpUnknownEventError } from './errors.js';
import type { ClientTransport } from './transport.js';

/** What the events need of the client they arrive at. */
export interface IncomingEventsOwner {
  /** Whether this is still the open connection: an answer never goes out on a later one. */
  isOpen(transport: ClientTransport): boolean;
  reportError(error: Error): void;
}

/**
 * A client's side of the receive loop (`receiveMessage`): its handlers, the answers they give,
 * its own requests' answers settled, and every problem reported as an error of the client.
 */
export class IncomingEvents implements EtpReceiver<ClientTransport, EtpEventHandler> {
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
    receiveMessage(this, transport, bytes);
  }

  settleAck(_transport: ClientTransport, ackId: number, data: Uint8Array | null): void {
    this.acks.settle(ackId, data);
  }

  routeOf(_transport: ClientTransport, event: string): EtpEventHandler | undefined {
    return this.handlers.get(event) ?? this.unknownHandler;
  }

  decode(_transport: ClientTransport, data: Uint8Array | null): unknown {
    return this.codec.decode(data);
  }

  call(
    _transport: ClientTransport,
    handler: EtpEventHandler,
    event: string,
    body: unknown,
  ): unknown {
    return handler(body, event);
  }

  answer(
    transport: ClientTransport,
    _handler: EtpEventHandler | undefined,
    event: string,
    ackId: number,
    value: unknown,
  ): void {
    if (ackId === 0 || !this.owner.isOpen(transport)) return;
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

  malformed(_transport: ClientTransport, error: EtpFrameError | EtpPayloadError): void {
    this.owner.reportError(error);
  }

  unknownEvent(_transport: ClientTransport, event: string): void {
    this.owner.reportError(new EtpUnknownEventError(event));
  }

  handlerFailed(_transport: ClientTransport, event: string, error: unknown): void {
    this.owner.reportError(new EtpHandlerError(event, { cause: error }));
  }
}
