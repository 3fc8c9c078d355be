import type { WebSocket } from 'ws';
import { WEBSOCKET_OPEN } from '../protocol/close.js';
import { dispatchMessage } from './dispatch.js';
import type { EtpSocket } from './etp-socket.js';

// One set of listeners serves every connection: each finds its EtpSocket on the ws object, which
// saves a closure per event and per connection: some 400 bytes of heap per connection.
const ETP_SOCKET = Symbol('EtpSocket');
type TaggedWebSocket = WebSocket & { [ETP_SOCKET]: EtpSocket };

/** Routes what `ws` reports of one connection to its `EtpSocket` and the socket's server. */
export function listenTo(ws: WebSocket, socket: EtpSocket): void {
  (ws as TaggedWebSocket)[ETP_SOCKET] = socket;
  ws.on('message', onMessage);
  ws.on('pong', onPong);
  ws.on('error', onError);
  ws.on('close', onClose);
}

function socketOf(ws: WebSocket): EtpSocket {
  return (ws as TaggedWebSocket)[ETP_SOCKET];
}

function onMessage(this: WebSocket, bytes: Buffer): void {
  // Once closing, nothing can be answered: messages still coming in before the peer's close
  // frame are dropped, so that a busy shutdown spends its time on closing handshakes.
  if (this.readyState !== WEBSOCKET_OPEN) return;
  const socket = socketOf(this);
  const server = socket.server;
  let budget = socket.budget;
  if (budget === undefined && server.maxEventsPerSecond > 0) {
    // Made with the first message rather than with the connection: an idle one has no budget.
    budget = socket.startBudget(server.maxEventsPerSecond);
  }
  if (budget !== undefined && --budget.tokens < 0) budget.overdrawn();
  dispatchMessage(server, socket, bytes);
}

function onPong(this: WebSocket, data: Buffer): void {
  const socket = socketOf(this);
  socket.handlePong();
  socket.server.heartbeatPong(socket, data);
}

function onError(this: WebSocket, error: Error): void {
  socketOf(this).handleError(error);
}

// ws emits 'close' once, so `on` does what `once` would without a wrapper per connection.
function onClose(this: WebSocket, code: number, reason: Buffer): void {
  const socket = socketOf(this);
  socket.server.connectionEnded(socket, code, reason);
}
