// Clients of the broadcast across instances, in their own process:
// `node bench/cluster-crowd.js '<json options>'` with `kind`, `targets` ([{ port, clients }]: how
// many to open on each instance) and `concurrency`. Reports `connected`; then, for each round,
// `expect` (with `round`) arms it and it reports `received` as soon as every one of its clients
// has that round's broadcast. Each message is checked against the round's payload, and a client
// that gets it twice, or gets anything else, is a failure that `check` reports.
/* global Buffer, performance, process */
import { crowdProtocol, openMember } from './crowd-client.js';
import { roundPayload, tell } from './shared.js';

const { kind, targets, concurrency } = JSON.parse(process.argv[2]);
const { socketIo } = crowdProtocol(kind);
const total = targets.reduce((sum, { clients }) => sum + clients, 0);

/** The round each client last had, to tell a duplicate from a first delivery. */
const lastRound = new Int32Array(total).fill(-1);
let round = -1;
let expected = Buffer.alloc(0);
let received = 0;
let failure;
const sockets = [];

const fail = (message) => (failure ??= message);

function onTick(client, bytes, start, end) {
  // The message ends with the round's payload (`…||<json>` or `42["tick",<json>]`).
  if (end - start < expected.length || !bytes.subarray(end - expected.length, end).equals(expected))
    return fail(`unexpected message: ${bytes.toString('utf8', start, Math.min(end, start + 160))}`);
  if (lastRound[client] === round) return fail(`a client had round ${round} twice`);
  lastRound[client] = round;
  if (++received === total) tell({ type: 'received', round });
}

let next = 0;
async function opener() {
  while (next < total) {
    const client = next++;
    let port;
    for (let i = 0, seen = 0; port === undefined; i++) {
      seen += targets[i].clients;
      if (client < seen) port = targets[i].port;
    }
    sockets.push(
      await openMember({
        kind,
        port,
        onTick: (bytes, start, end) => onTick(client, bytes, start, end),
        onClose: () => fail('a client lost its connection'),
      }),
    );
  }
}

const connectStarted = performance.now();
try {
  await Promise.all(Array.from({ length: concurrency }, opener));
} catch (error) {
  fail(`could not connect: ${error.message}`);
}
tell({ type: 'connected', seconds: (performance.now() - connectStarted) / 1000, failure });

process.on('message', (message) => {
  switch (message.cmd) {
    case 'expect':
      round = message.round;
      received = 0;
      expected = Buffer.from(JSON.stringify(roundPayload(round)) + (socketIo ? ']' : ''));
      tell({ type: 'expect' });
      break;
    case 'check':
      tell({ type: 'check', received, total, failure, cpu: process.cpuUsage() });
      break;
    case 'exit':
      for (const socket of sockets) socket.destroy();
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
