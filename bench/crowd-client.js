// One member of a broadcast crowd, on the lean client of wire.js. ETP needs nothing beyond the
// WebSocket; socket.io is spoken by hand: Engine.IO v4 / socket.io v5 packets (`0` open, `40`
// connect, `2`/`3` ping/pong, `42[...]` event) over the websocket transport.
import { HOST } from './shared.js';
import { clientFrame, openWebSocket } from './wire.js';

const CONNECT = clientFrame('40');
const PONG = clientFrame('3');

/** What a member of each kind of server sends and receives. */
export function crowdProtocol(kind) {
  const socketIo = kind.startsWith('io');
  return {
    socketIo,
    path: socketIo ? '/socket.io/?EIO=4&transport=websocket' : '/',
    /** The first byte of a broadcast event: '4' of `42[...]`, 't' of `tick||…`. */
    tickFirst: socketIo ? 0x34 : 0x74,
    /** A client frame carrying the event `event` with the JSON `json`. */
    event: (event, json) =>
      clientFrame(socketIo ? `42["${event}",${json}]` : `${event}||0||${json}`),
  };
}

/**
 * Opens one connection to a `kind` server and resolves once it may receive broadcasts (for
 * socket.io: once the main namespace is joined); with `room`, the server is asked to put it in
 * that room. `onTick(bytes, start, end)` gets every event
 * message, as a view valid during the call only; `onClose` a connection lost.
 */
export async function openMember({ kind, port, room, onTick, onClose }) {
  const { socketIo, path: base, tickFirst } = crowdProtocol(kind);
  // The scaling run's servers read the room to join from the URL's query.
  const path =
    room === undefined
      ? base
      : `${base}${base.includes('?') ? '&' : '?'}room=${encodeURIComponent(room)}`;
  let ready = !socketIo;
  let connected;
  const namespaceJoined = new Promise((resolve) => (connected = resolve));
  const socket = await openWebSocket({
    host: HOST,
    port,
    path,
    onMessage(bytes, start, end, socket) {
      const first = bytes[start];
      if (!ready) {
        if (first === 0x30)
          socket.write(CONNECT); // open → connect to the main namespace
        else if (first === 0x34 && bytes[start + 1] === 0x30) {
          ready = true;
          connected();
        }
        return;
      }
      if (first === tickFirst) onTick(bytes, start, end);
      else if (socketIo && first === 0x32) socket.write(PONG);
    },
    onClose,
  });
  if (socketIo) await namespaceJoined;
  return socket;
}
