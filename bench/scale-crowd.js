// Clients of the scaling run, in their own process: `node bench/scale-crowd.js '<json options>'`
// with `kind`, `targets` ([{ port, rooms }]: the rooms of one instance), `perRoom` (clients in each
// room) and `concurrency`. Each client asks its instance for its room in the URL's query.
// Reports `connected`; `expect` (with `total`: how many deliveries since the start) makes it report
// `received` once that many have arrived; `verify` (with `counts`: broadcasts sent to each room)
// checks that every client had exactly its room's; `check` reports the count and the CPU.
// A delivery of another room's broadcast, or a lost connection, is a failure.
/* global Buffer, performance, process */
import { openMember } from './crowd-client.js';
import { tell } from './shared.js';

const { kind, targets, perRoom, concurrency } = JSON.parse(process.argv[2]);

/** Every client to open: [port, room]. */
const plan = targets.flatMap(({ port, rooms }) =>
  rooms.flatMap((room) => Array.from({ length: perRoom }, () => [port, room])),
);
const counts = new Int32Array(plan.length);
const marks = plan.map(([, room]) => Buffer.from(`"room":${JSON.stringify(room)},`));
const sockets = [];
let received = 0;
let awaited = Infinity;
let failure;

const fail = (message) => (failure ??= message);

function onTick(client, bytes, start, end) {
  const at = bytes.indexOf(marks[client], start);
  if (at === -1 || at >= end) {
    return fail(
      `a client of ${plan[client][1]} had ${bytes.toString('utf8', start, Math.min(end, start + 160))}`,
    );
  }
  counts[client]++;
  if (++received === awaited) tell({ type: 'received', received });
}

let next = 0;
async function opener() {
  while (next < plan.length) {
    const client = next++;
    const [port, room] = plan[client];
    sockets.push(
      await openMember({
        kind,
        port,
        room,
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

/** The first client whose count is not its room's, as a sentence; undefined when none. */
function mismatch(expected) {
  for (let client = 0; client < plan.length; client++) {
    const room = plan[client][1];
    const want = expected[room] ?? 0;
    if (counts[client] !== want) return `a client of ${room} had ${counts[client]} of ${want}`;
  }
  return undefined;
}

process.on('message', (message) => {
  switch (message.cmd) {
    case 'expect':
      awaited = message.total;
      tell({ type: 'expect' });
      if (received >= awaited) tell({ type: 'received', received });
      break;
    case 'verify':
      tell({ type: 'verify', failure: failure ?? mismatch(message.counts) });
      break;
    case 'check':
      tell({ type: 'check', received, failure, cpu: process.cpuUsage() });
      break;
    case 'exit':
      for (const socket of sockets) socket.destroy();
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
