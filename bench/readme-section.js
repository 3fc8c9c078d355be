// Prints the README's performance section from bench/results/: `node bench/readme-section.js`.
/* global console */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const results = join(dirname(fileURLToPath(import.meta.url)), 'results');
const data = JSON.parse(readFileSync(join(results, 'results.json'), 'utf8'));
const table = readFileSync(join(results, 'results.md'), 'utf8').trim();
// The scaling run (bench/scale.js), when it has been run and written.
const scaleFile = join(results, 'scale.md');
const scaling = existsSync(scaleFile)
  ? `### Scaling: 2, 4 and 8 instances on one Redis

![CPU per instance per 1,000 broadcasts against the instance count](bench/results/scale.svg)

${readFileSync(scaleFile, 'utf8').trim()}
`
  : '';
const { machine } = data;
const day = data.date.slice(0, 10);

const section = `## Performance

Measured on ${day} with \`npm run bench\`, on ${machine.nproc} cores (${machine.cpu}), ${machine.memoryGiB} GiB,
Node ${machine.node}, ${machine.os}. Every server runs in its own process, the clients in another, over
loopback; the Nest servers run one and the same gateway class (\`@SubscribeMessage('echo')\` returning
its \`@MessageBody()\`) under each adapter, and the package is loaded from its build as an application
loads it.

![Echo, broadcast and memory, side by side](bench/results/bench.svg)

${table}

What is compared:

- **raw net, one prebuilt frame (floor)** — a \`node:net\` server with no WebSocket library
  (bench/floor-server.js): it answers the handshake by hand and writes one prebuilt frame to each
  member of a broadcast, one system call each. Nothing sends a broadcast with less work, so the
  broadcast goals are ratios to it.

- **bare ws** — a \`ws\` server that reads \`echo||<id>||<data>\` by hand and answers
  \`__ack_echo||<id>||<data>\`: no framework, no payload decoding. It writes the way EtpAdapter does
  (a connection's answers of one event-loop turn in one system call, a broadcast framed once), so it
  is a true ceiling, not a usable gateway.
- **bare ws, plain ws.send** — the same hand-written server as most code writes it: each answer,
  and each member of a broadcast, goes through its own \`ws.send\`.
- **Nest WsAdapter** (\`@nestjs/platform-ws\`), spoken to in its own format
  \`{"event":"echo","data":…}\`; it answers in order, without ids.
- **Nest IoAdapter** (\`@nestjs/platform-socket.io\`), driven by \`socket.io-client\` over the websocket
  transport with an ack callback.
- **EtpAdapter**, with frames \`echo||<id>||<json>\` answered by \`__ack_echo||<id>||<json>\` (the
  default payload codec parses and re-encodes the JSON, as the other adapters do).

How it is measured:

- **Echo**: N connections each keep M requests in flight (a new one goes out as each answer
  arrives) with the same ~80-byte JSON payload; the table gives the best of the interleaved rounds,
  the latency of that round (p50/p99, from send to answer), and the server's CPU use while measured.
  The ETP, bare and WsAdapter clients use a lean WebSocket client (bench/wire.js) so that the
  client process is not the limit; socket.io needs \`socket.io-client\`.
- **Broadcast**: ${Number(data.config.room.clients).toLocaleString('en-US')} connections join one room
  (\`EtpRoomsService.join\`, socket.io's \`socket.join\`, a \`Set\` for bare ws); one client asks the server
  to send one event to the room (\`EtpRoomsService.to(room).emit\`, \`server.to(room).emit\`, for bare ws
  a loop writing one ready-framed message to each connection's stream), and a round lasts until every client has it. The clients are bare TCP sockets doing
  the WebSocket handshake and framing themselves (socket.io's Engine.IO packets included), the same
  for all three servers.
- **Broadcast across 2 instances through Redis**: two instances of one app share a room through
  the same \`redis-server\` (started by the benchmark on a free loopback port, with no persistence),
  ${Number(data.config.cluster?.clients ?? 10_000).toLocaleString('en-US')} connections in all, half on each. For socket.io, Nest's
  IoAdapter with \`@socket.io/redis-adapter\` on ioredis, as Nest's documentation sets it up; for
  nestjs-etp, \`EtpModule.forRoot({ broker: new EtpRedisBroker({ url }) })\`. Every connection joins
  the room; the runner asks instance A to send one event to it (\`server.to(room).emit\`,
  \`EtpRoomsService.to(room).emit\`), and a round lasts until every client, on A and on B, has it,
  each message checked against its round's payload, a missing or duplicated one failing the run.
  The broker's cost is the CPU time both instance processes spend per broadcast
  (\`process.cpuUsage\`, less their idle use: socket.io's pings and the broker's heartbeats), and
  redis-server's, read from \`/proc/<pid>/stat\`. The clients are the same lean ones, in one
  process of their own (\`socket.io-client\` would cost the client process about twice as much
  CPU per message).
- **Memory**: heap + external bytes of the server process, after a full GC, with all those
  connections idle in the room, minus the same before the first connection, per connection. RSS
  is shown too but depends on how much heap the process had reserved before.

Reading the figures:

- Against bare ws, EtpAdapter does what a gateway must and the ceiling skips: it parses the JSON
  payload and encodes the answer (about a fifth of the server's CPU time in a \`--profile\` run:
  \`autoCodec.decode\` 11 %, the answer's \`JSON.stringify\` 10 %), and runs Nest's handler pipeline
  (guards, pipes, interceptors, filters: \`@nestjs/websockets\` 13 % of self time, plus most of the
  6 % spent running promise callbacks).
- Against the same bare server written plainly, one \`ws.send\` per answer, EtpAdapter is faster:
  it writes a connection's answers of one event-loop turn in one system call. The goal of 0.8×
  the ceiling is met against that plain server and missed against the tuned one.
- A broadcast costs one write system call per connection; the floor row shows what those writes
  alone cost on this machine, so the write calls are most of a broadcast's time for every server,
  and a ratio to socket.io above ~1.35× is out of reach. The broadcast goals are therefore ratios
  to the floor (the send loop, and the instances' CPU across two instances), judged on CPU time,
  which a busy machine disturbs less than wall time.
- Across two instances, the two instance processes, redis-server and the clients' process share
  the machine's ${machine.nproc} cores, so the time until every client has a broadcast includes time spent
  waiting for a core, and the clients' own CPU time (given below the table) adds to it; the CPU
  time per broadcast is the steadier figure of the two.
- Of the memory EtpAdapter keeps per connection beyond bare ws, most is the socket object and its
  id, the handshake's headers and URL that \`EtpSocket.request\` keeps (not the whole request), its room
  set, and the handler list Nest binds to each connection.

${scaling}
Run it yourself: \`npm run bench\` (about 15 minutes, 10 of them the scaling run; the broadcasts need some 10,000 open files in each
of two processes, and bench/bench.sh raises \`ulimit -n\` as far as it may; the broadcast across
instances needs \`redis-server\` on the PATH, Debian's \`redis-server\` package).
\`npm run build && bash bench/bench.sh --only=redis\` runs the broadcast across instances alone, and
\`--only=scale\` the scaling run. \`node bench/run.js
--profile\` writes CPU profiles of the EtpAdapter server to bench/profiles/, and
\`node bench/profile-summary.js <file>\` lists where the time goes. \`npm run bench:smoke\` is the same
code on a few connections for a second or two per server; CI runs it to check that every server still
answers, and it asserts no speed. Figures from a shared machine vary from run to run: compare the
servers within one run rather than across runs.
`;

const config = (await prettier.resolveConfig(join(results, 'section.md'))) ?? {};
console.log(await prettier.format(section, { ...config, parser: 'markdown' }));
