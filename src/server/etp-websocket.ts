import { WebSocket } from 'ws';
import { WEBSOCKET_OPEN } from '../protocol/close.js';
import { receiveMessage } from '../protocol/receive.js';
import type { EtpSocket } from './etp-socket.js';

/**
 * The WebSocket class of every gateway's `ws` server (its `WebSocket` option): it hands what `ws`
 * reports of a connection straight to the connection's `EtpSocket` and its server. No listener is
 * registered: four of them would grow each connection's table of listeners by some 100 bytes of
 * heap. Events it does not take go to listeners as usual.
 */
export class EtpWebSocket extends WebSocket {
  /** The connection this WebSocket is under, once the server accepted it. */
  private etpSocket: EtpSocket | undefined;

  /** @internal From now on, what `ws` reports of this connection goes to `socket`. */
  attach(socket: EtpSocket): void {
    this.etpSocket = socket;
  }

  // Named parameters rather than a rest parameter: no array per message.
  override emit(event: string | symbol, first?: unknown, second?: unknown): boolean {
    const socket = this.etpSocket;
    if (socket === undefined) return super.emit(event, first, second);
    switch (event) {
      case 'message':
        this.received(socket, first as Buffer);
        return true;
      case 'pong':
        socket.handlePong();
        socket.server.heartbeatPong(socket, first as Buffer);
        return true;
      case 'error':
        socket.handleError(first as Error);
        return true;
      case 'close':
        // ws emits 'close' once.
        socket.server.connectionEnded(socket, first as number, second as Buffer);
        return true;
      default:
        return super.emit(event, first, second);
    }
  }

  private received(socket: EtpSocket, bytes: Buffer): void {
    // Once closing, nothing can be answered: messages still coming in before the peer's close
    // frame are dropped, so that a busy shutdown spends its time on closing handshakes.
    if (this.readyState !== WEBSOCKET_OPEN) return;
    const server = socket.server;
    let budget = socket.budget;
    if (budget === undefined && server.maxEventsPerSecond > 0) {
      // Made with the first message rather than with the connection: an idle one has none.
      budget = socket.startBudget(server.maxEventsPerSecond);
    }
    if (budget !== undefined && --budget.tokens < 0) budget.overdrawn();
    receiveMessage(server.dispatch, socket, bytes);
  }
}
