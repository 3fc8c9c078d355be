// The broadcast clients, in their own process: `node bench/crowd.js '<json options>'`.
// Opens `clients` connections, reports `connected`, then on `go` runs `rounds` broadcasts: the
// first client sends `shout`, the server sends `tick` to the whole room, and a round lasts until
// every client has its tick.
//
// 10,000 clients share one core, so each is the lean client of wire.js and looks only at the
// first bytes of a message; the same client serves every server. socket.io is spoken over it by
// hand: Engine.IO v4 / socket.io v5 packets (`0` open, `40` connect, `2`/`3` ping/pong,
// `42[...]` event) over the websocket transport.
/* global clearTimeout, performance, process, setTimeout */
import { HOST, PAYLOAD, tell } from './shared.js';
import { clientFrame, openWebSocket } from './wire.js';

const options = JSON.parse(process.argv[2]);
const { kind, port, clients, rounds, concurrency, roundTimeoutMs } = options;
const socketIo = kind === 'io';
const path = socketIo ? '/socket.io/?EIO=4&transport=websocket' : '/';
const TICK_FIRST = socketIo ? 0x34 : 0x74; // '4' of `42[...]`, 't' of `tick||…`
const SHOUT = clientFrame(socketIo ? `42["shout",${PAYLOAD}]` : `shout||0||${PAYLOAD}`);
const CONNECT = clientFrame('40');
const PONG = clientFrame('3');

let received = 0;
let onAllReceived;
let failure;
const sockets = [];

async function open() {
  let ready = !socketIo;
  let connected;
  const namespaceJoined = new Promise((resolve) => (connected = resolve));
  const socket = await openWebSocket({
    host: HOST,
    port,
    path,
    onMessage(bytes, start, _end, socket) {
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
      if (first === TICK_FIRST) {
        if (++received === clients) onAllReceived?.();
      } else if (socketIo && first === 0x32) {
        socket.write(PONG);
      }
    },
    onClose() {
      failure ??= 'a client lost its connection';
    },
  });
  if (socketIo) await namespaceJoined;
  return socket;
}

const connectStarted = performance.now();
let next = 0;
async function opener() {
  while (next < clients) {
    next++;
    sockets.push(await open());
  }
}
try {
  await Promise.all(Array.from({ length: concurrency }, opener));
} catch (error) {
  tell({ type: 'result', failure: `could not connect: ${error.message}` });
  process.exit(1);
}
tell({ type: 'connected', seconds: (performance.now() - connectStarted) / 1000 });

await new Promise((resolve) => process.once('message', resolve));

const times = [];
for (let round = 0; round < rounds && failure === undefined; round++) {
  received = 0;
  const done = new Promise((resolve) => (onAllReceived = resolve));
  const startedAt = performance.now();
  sockets[0].write(SHOUT);
  let timer;
  const timedOut = new Promise(
    (resolve) => (timer = setTimeout(resolve, roundTimeoutMs, 'timeout')),
  );
  const outcome = await Promise.race([done, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    failure = `round ${round + 1}: ${received} of ${clients} clients had the event after ${roundTimeoutMs} ms`;
    break;
  }
  times.push(performance.now() - startedAt);
  // Let the server and the clients settle before the next round.
  await new Promise((resolve) => setTimeout(resolve, 250));
}

tell({ type: 'result', times, failure });
for (const socket of sockets) socket.destroy();
process.exit(failure === undefined ? 0 : 1);
