// Memory per idle connection alone, the broadcast table's last figure without the broadcasts:
// `npm run build && node bench/memory.js [--clients=N] [--servers=etp,bare] [--runs=N]`.
// Each server runs in its own process (as in run.js, with --expose-gc); the crowd of crowd.js
// connects and joins the room; the server's heap + external after a full GC, less the same
// before any client, divided by the clients. Each run starts fresh processes; the median is
// printed.
/* global console, process */
import { sleep, start } from './children.js';
import { LABELS, ROOM_SERVERS } from './shared.js';

const flags = new Map(
  process.argv.slice(2).map((arg) => {
    const [name, value = 'true'] = arg.replace(/^--/, '').split('=');
    return [name, value];
  }),
);
const clients = Number(flags.get('clients') ?? 10_000);
const runs = Number(flags.get('runs') ?? 1);
const kinds = flags.get('servers')?.split(',') ?? ROOM_SERVERS.filter((kind) => kind !== 'floor');

const heap = (m) => m.heapUsed + m.external;

async function once(kind) {
  const server = start('server.js', [kind, 'room'], ['--expose-gc']);
  const { port } = await server.next('listening', 30_000);
  const crowd = start('crowd.js', [
    JSON.stringify({ kind, port, clients, rounds: 0, concurrency: 200, roundTimeoutMs: 10_000 }),
  ]);
  try {
    await sleep(300);
    const before = await server.ask('memory');
    await crowd.next('connected', 120_000);
    for (let tries = 0; (await server.ask('members')).count !== clients; tries++) {
      if (tries === 100) throw new Error(`${LABELS[kind]}: not every client is in the room`);
      await sleep(100);
    }
    await sleep(500);
    const after = await server.ask('memory');
    return {
      perConnection: (heap(after) - heap(before)) / clients,
      heap: (after.heapUsed - before.heapUsed) / clients,
      external: (after.external - before.external) / clients,
    };
  } finally {
    crowd.child.kill('SIGKILL');
    await crowd.exit;
    await server.stop();
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const kind of kinds) {
  const results = [];
  for (let run = 0; run < runs; run++) results.push(await once(kind));
  const pick = (key) => Math.round(median(results.map((result) => result[key])));
  console.log(
    `${LABELS[kind].padEnd(28)} ${pick('perConnection')} B/conn heap+external ` +
      `(heap ${pick('heap')}, external ${pick('external')}) over ${clients} clients, ` +
      `median of ${runs}: ${results.map((result) => Math.round(result.perConnection)).join(', ')}`,
  );
}
