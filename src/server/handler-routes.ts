import type { WsMessageHandler } from '@nestjs/common';
import { ackEventOf } from '../protocol/ack.js';
import type { EtpSocket } from './etp-socket.js';

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

/**
 * Where each event's handler sits among the handler lists Nest binds to every socket of a path,
 * one list per gateway. Every socket gets the same gateways' lists in the same order, so the
 * routes are built once, from the first socket; later sockets only keep their lists.
 */
export class HandlerRoutes {
  /** The route of each subscribed event. */
  readonly byEvent = new Map<string, HandlerRoute>();
  /** The route of `ETP_UNKNOWN_EVENT`, if a gateway subscribes to it. */
  unknown: HandlerRoute | undefined;
  private readonly boundSlots: string[][] = [];

  /** Binds one gateway's handlers to one socket. */
  bind(socket: EtpSocket, handlers: WsMessageHandler[]): void {
    const slot = socket.handlers.length;
    // A list of the exact size: most paths have one gateway, and an array grown by a push (or
    // a spread) keeps room for 16 more, some 140 bytes of each connection.
    socket.handlers = slot === 0 ? [handlers] : socket.handlers.concat([handlers]);
    if (this.boundSlots[slot] !== undefined) return;
    this.boundSlots[slot] = handlers.map((handler) => String(handler.message));
    handlers.forEach((handler, index) => {
      const event = String(handler.message);
      const route: HandlerRoute = {
        slot,
        index,
        ackEvent: ackEventOf(event),
        manualAck: handler.isAckHandledManually === true,
      };
      if (event === ETP_UNKNOWN_EVENT) {
        this.unknown ??= route;
      } else if (!this.byEvent.has(event)) {
        this.byEvent.set(event, route);
      }
    });
  }
}
