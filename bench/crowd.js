// The broadcast clients, in their own process: `node bench/crowd.js '<json options>'`.
// Opens `clients` connections, reports `connected`, then on `go` runs `rounds` broadcasts: the
// first client sends `shout`, the server sends `tick` to the whole room, and a round lasts until
// every client has its tick.
//
// 10,000 clients share one core, so each is the lean client of crowd-client.js and looks only at
// the first bytes of a message; the same client serves every server, socket.io included.
/* global clearTimeout, performance, process, setTimeout */
import { PAYLOAD, tell } from './shared.js';
import { crowdProtocol, openMember } from './crowd-client.js';

const options = JSON.parse(process.argv[2]);
const { kind, port, clients, rounds, concurrency, roundTimeoutMs } = options;
const SHOUT = crowdProtocol(kind).event('shout', PAYLOAD);

let received = 0;
let onAllReceived;
let failure;
const sockets = [];

const open = () =>
  openMember({
    kind,
    port,
    onTick() {
      if (++received === clients) onAllReceived?.();
    },
    onClose() {
      failure ??= 'a client lost its connection';
    },
  });

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
