// `npm run bench` (or `npm run bench:smoke`): runs every comparison in one go, each server in
// its own process and the clients in another, and writes bench/results/.
//   --smoke      a short run with few connections, to check that everything still answers
//   --profile    EtpAdapter's server process runs with --cpu-prof (profiles in bench/profiles/)
//   --only=echo  or --only=room, --only=redis, --only=scale, --only=fairness: one part only
//                (redis: the broadcast across two instances through Redis, which needs
//                redis-server installed; scale: 2, 4 and 8 instances on one Redis, see scale.js,
//                written to bench/results/scale.*; fairness: 50 honest peers' ack latency against
//                one flooding peer, EtpAdapter only; recovery: the cost of keeping room broadcasts
//                and a mass reconnect after an instance is lost, see recovery.js, written to
//                bench/results/recovery.*)
//   --rounds=N   echo rounds per server (interleaved; the best round is reported)
//   --passes=N   passes of the scaling run (default 3; the median of each figure is reported)
//   --loaders=N  load processes sharing the clients of the broadcast across instances
//   --servers=etp,bare  only these servers (no results are written then)
/* global Buffer, console, process */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, start } from './children.js';
import { runCluster } from './cluster.js';
import { runFairness } from './fairness.js';
import { recoveryMarkdown, runRecovery } from './recovery.js';
import { goalsOf } from './goals.js';
import { clusterMarkdown, markdown, roomMarkdown, svg } from './report.js';
import { runScale } from './scale.js';
import { scaleMarkdown, scaleSvg } from './scale-report.js';
import {
  CLUSTER_SERVERS,
  ECHO_SERVERS,
  LABELS,
  PAYLOAD,
  ROOM_SERVERS,
  SCALE_SERVERS,
} from './shared.js';

const here = dirname(fileURLToPath(import.meta.url));
const flags = new Map(
  process.argv.slice(2).map((arg) => {
    const [name, value = 'true'] = arg.replace(/^--/, '').split('=');
    return [name, value];
  }),
);
const smoke = flags.has('smoke');
const profile = flags.has('profile');
const only = flags.get('only');
const chosen = flags.has('servers') ? flags.get('servers').split(',') : undefined;
const echoServers = ECHO_SERVERS.filter((kind) => chosen?.includes(kind) ?? true);
const roomServers = ROOM_SERVERS.filter((kind) => chosen?.includes(kind) ?? true);
const clusterServers = CLUSTER_SERVERS.filter((kind) => chosen?.includes(kind) ?? true);
const scaleServers = SCALE_SERVERS.filter((kind) => chosen?.includes(kind) ?? true);

const config = {
  payloadBytes: Buffer.byteLength(PAYLOAD),
  echo: smoke
    ? { connections: 4, inflight: 2, warmupMs: 300, durationMs: 1200, rounds: 1 }
    : { connections: 50, inflight: 10, warmupMs: 1500, durationMs: 6000, rounds: 3 },
  room: smoke
    ? { clients: 200, rounds: 2, concurrency: 50, roundTimeoutMs: 10_000, idleMs: 300 }
    : { clients: 10_000, rounds: 7, concurrency: 200, roundTimeoutMs: 30_000, idleMs: 1_000 },
  // Passes alternate the servers' order; each pass starts two fresh instances of one server.
  cluster: smoke
    ? {
        clients: 300,
        instances: 2,
        passes: 1,
        rounds: 2,
        loaders: 1,
        concurrency: 50,
        roundTimeoutMs: 10_000,
        settleMs: 100,
        idleMs: 300,
      }
    : {
        clients: 10_000,
        instances: 2,
        passes: 2,
        rounds: 10,
        loaders: 1,
        concurrency: 200,
        roundTimeoutMs: 30_000,
        settleMs: 200,
        idleMs: 1_000,
      },
};
// Each instance count starts fresh instances of each server; CPU time is what is compared.
config.scale = smoke
  ? {
      instances: [2],
      passes: 1,
      rooms: 10,
      perRoom: 2,
      broadcasts: 100,
      chunk: 25,
      concurrency: 50,
      settleMs: 200,
      idleMs: 300,
      chunkSettleMs: 20,
      chunkTimeoutMs: 10_000,
    }
  : {
      instances: [2, 4, 8],
      passes: Number(flags.get('passes') ?? 3),
      rooms: 100,
      perRoom: 3,
      broadcasts: 1_000,
      chunk: 25,
      concurrency: 100,
      settleMs: 500,
      idleMs: 1_000,
      chunkSettleMs: 20,
      chunkTimeoutMs: 30_000,
    };
config.fairness = smoke
  ? { peers: 10, rate: 20, warmupMs: 300, durationMs: 1_000 }
  : { peers: 50, rate: 20, warmupMs: 1_000, durationMs: 5_000 };
config.recovery = smoke
  ? {
      keeping: { clients: 50, broadcasts: 200, warmup: 50, chunk: 50, passes: 1, idleMs: 300 },
      reconnect: {
        clients: 50,
        before: 5,
        during: 10,
        spacingMs: 20,
        timeoutMs: 20_000,
        modes: ['kill'],
      },
    }
  : {
      keeping: {
        clients: 1_000,
        broadcasts: 2_000,
        warmup: 500,
        chunk: 50,
        passes: 3,
        idleMs: 1_000,
      },
      reconnect: {
        clients: Number(flags.get('reconnect-clients') ?? 2_000),
        before: 10,
        during: 20,
        spacingMs: 20,
        timeoutMs: 120_000,
        modes: ['kill', 'shutdown'],
      },
    };
if (flags.has('rounds')) config.echo.rounds = Number(flags.get('rounds'));
if (flags.has('loaders')) config.cluster.loaders = Number(flags.get('loaders'));

// Every client is a file descriptor in the client process and another in the server's.
const fdLimit = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim());
if (Number.isFinite(fdLimit) && fdLimit < config.room.clients + 256) {
  const clients = Math.max(100, fdLimit - 256);
  console.warn(`ulimit -n is ${fdLimit}: the broadcast uses ${clients} clients instead`);
  config.room.clients = clients;
  config.cluster.clients = Math.min(config.cluster.clients, clients);
}

const outDir = join(here, 'results', smoke ? 'smoke' : '');
mkdirSync(outDir, { recursive: true });
if (profile) mkdirSync(join(here, 'profiles'), { recursive: true });

async function startServer(kind, scenario) {
  const execArgv = ['--expose-gc'];
  if (profile && kind === 'etp') {
    execArgv.push(
      '--cpu-prof',
      `--cpu-prof-dir=${join(here, 'profiles')}`,
      `--cpu-prof-name=etp-${scenario}-${Date.now()}.cpuprofile`,
    );
  }
  const server = start('server.js', [kind, scenario], execArgv);
  const { port } = await server.next('listening', 30_000);
  return { ...server, port };
}

async function echoOnce(kind) {
  const server = await startServer(kind, 'echo');
  const load = start('load.js', [
    JSON.stringify({ kind, port: server.port, ...config.echo, verify: smoke }),
  ]);
  try {
    await load.next('measuring');
    const before = await server.ask('cpu');
    await load.next('measured');
    const after = await server.ask('cpu');
    const result = await load.next('result');
    if (result.failure !== undefined) throw new Error(`${LABELS[kind]}: ${result.failure}`);
    const busy = (after.user + after.system - before.user - before.system) / 1000;
    return { ...result, serverCpu: busy / (after.at - before.at) };
  } finally {
    await load.exit;
    await server.stop();
  }
}

async function runEcho() {
  const runs = Object.fromEntries(echoServers.map((kind) => [kind, []]));
  for (let round = 0; round < config.echo.rounds; round++) {
    // Alternate the order, so that no server always runs first or last.
    const order = round % 2 === 0 ? echoServers : [...echoServers].reverse();
    for (const kind of order) {
      const result = await echoOnce(kind);
      runs[kind].push(result);
      console.log(
        `echo  ${LABELS[kind].padEnd(28)} ${Math.round(result.rate).toString().padStart(7)} acks/s  ` +
          `p50 ${(result.p50 / 1000).toFixed(2)} ms  p99 ${(result.p99 / 1000).toFixed(2)} ms  ` +
          `server CPU ${Math.round(result.serverCpu * 100)} %  client CPU ${Math.round(result.clientCpu * 100)} %`,
      );
    }
  }
  const echo = {};
  for (const kind of echoServers) {
    const best = runs[kind].reduce((a, b) => (b.rate > a.rate ? b : a));
    echo[kind] = {
      rate: best.rate,
      p50: best.p50,
      p99: best.p99,
      serverCpu: best.serverCpu,
      clientCpu: best.clientCpu,
      rounds: runs[kind].map(({ rate, p50, p99, serverCpu }) => ({ rate, p50, p99, serverCpu })),
    };
  }
  return echo;
}

async function roomOnce(kind) {
  const { clients } = config.room;
  const server = await startServer(kind, 'room');
  await sleep(300);
  const before = await server.ask('memory');
  const crowd = start('crowd.js', [JSON.stringify({ kind, port: server.port, ...config.room })]);
  try {
    const { seconds: connectSeconds } = await crowd.next('connected', 120_000);
    for (let tries = 0; ; tries++) {
      const { count } = await server.ask('members');
      if (count === clients) break;
      if (tries === 100)
        throw new Error(`${LABELS[kind]}: ${count} of ${clients} clients in the room`);
      await sleep(100);
    }
    await sleep(500);
    const after = await server.ask('memory');
    if (process.env.BENCH_DEBUG) console.log(before, after);
    // The server's CPU per broadcast: over every round, less what it spends idle over as long.
    const cpuMs = ({ user, system }) => (user + system) / 1000;
    const idleBefore = await server.ask('cpu');
    await sleep(config.room.idleMs);
    const idleAfter = await server.ask('cpu');
    const idlePerMs = (cpuMs(idleAfter) - cpuMs(idleBefore)) / (idleAfter.at - idleBefore.at);
    const cpuBefore = await server.ask('cpu');
    crowd.child.send({ cmd: 'go' });
    const result = await crowd.next('result', 300_000);
    const cpuAfter = await server.ask('cpu');
    if (result.failure !== undefined) throw new Error(`${LABELS[kind]}: ${result.failure}`);
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const { times: sendLoops } = await server.ask('sendLoops');
    const broadcast = {
      median: median(result.times),
      best: Math.min(...result.times),
      sendLoop: median(sendLoops),
      cpu:
        Math.max(0, cpuMs(cpuAfter) - cpuMs(cpuBefore) - idlePerMs * (cpuAfter.at - cpuBefore.at)) /
        result.times.length,
      times: result.times,
      sendLoops,
      connectSeconds,
    };
    const heap = (m) => m.heapUsed + m.external;
    const memory = {
      perConnection: (heap(after) - heap(before)) / clients,
      heapPerConnection: (after.heapUsed - before.heapUsed) / clients,
      externalPerConnection: (after.external - before.external) / clients,
      rssPerConnection: (after.rss - before.rss) / clients,
      gc: after.gc,
    };
    console.log(
      `room  ${LABELS[kind].padEnd(28)} broadcast ${broadcast.median.toFixed(1)} ms (best ${broadcast.best.toFixed(1)})  ` +
        `server loop ${broadcast.sendLoop.toFixed(1)} ms  server CPU ${broadcast.cpu.toFixed(1)} ms  memory ${Math.round(memory.perConnection)} B/conn (RSS ${Math.round(memory.rssPerConnection)})  ` +
        `connect ${connectSeconds.toFixed(1)} s`,
    );
    return { broadcast, memory };
  } finally {
    crowd.child.kill('SIGKILL');
    await crowd.exit;
    await server.stop();
  }
}

async function runRooms() {
  const broadcast = {};
  const memory = {};
  for (const kind of roomServers) {
    const result = await roomOnce(kind);
    broadcast[kind] = result.broadcast;
    memory[kind] = result.memory;
  }
  return { broadcast, memory };
}

const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  os: `${platform()} ${release()}`,
};

/** Writes a result file, in the project's format when prettier (a dev dependency) is there. */
async function write(name, text, parser) {
  const file = join(outDir, name);
  if (parser !== undefined) {
    try {
      const prettier = await import('prettier');
      const options = (await prettier.resolveConfig(file)) ?? {};
      text = await prettier.format(text, { ...options, parser });
    } catch {
      // Unformatted is still right.
    }
  }
  writeFileSync(file, text);
}

let exitCode = 0;
const results = {
  date: new Date().toISOString(),
  smoke,
  machine,
  config,
  echo: {},
  broadcast: {},
  memory: {},
  cluster: {},
  fairness: [],
};
try {
  if (only === undefined || only === 'echo') results.echo = await runEcho();
  if (only === undefined || only === 'room') Object.assign(results, await runRooms());
  if (only === undefined || only === 'redis')
    results.cluster = await runCluster(config.cluster, clusterServers);
  if (only === undefined || only === 'scale') {
    const scale = await runScale(config.scale, scaleServers);
    if (chosen === undefined) {
      const report = {
        date: new Date().toISOString(),
        smoke,
        machine,
        config: config.scale,
        scale,
      };
      const table = scaleMarkdown(report);
      await write('scale.json', JSON.stringify(report, null, 2) + '\n', 'json');
      await write('scale.md', table, 'markdown');
      await write('scale.svg', scaleSvg(report));
      console.log('\n' + table);
    }
  }
  if ((only === undefined || only === 'fairness') && (chosen?.includes('etp') ?? true))
    results.fairness = await runFairness(config.fairness);
  if (only === undefined || only === 'recovery') {
    results.recovery = await runRecovery(config.recovery, chosen);
    const table = recoveryMarkdown(results.recovery, config.recovery);
    if (chosen === undefined) {
      const report = { date: new Date().toISOString(), smoke, machine, config: config.recovery };
      await write(
        'recovery.json',
        JSON.stringify({ ...report, ...results.recovery }, null, 2) + '\n',
        'json',
      );
      await write('recovery.md', table, 'markdown');
    }
    console.log('\n' + table);
    if (results.recovery.failures.length > 0) {
      throw new Error(`recovery lost or duplicated ticks: ${results.recovery.failures.join('; ')}`);
    }
  }
} catch (error) {
  console.error(`bench failed: ${error.message}`);
  exitCode = 1;
}
if (exitCode === 0 && only === undefined && chosen === undefined) {
  results.goals = goalsOf(results);
  const table = markdown(results);
  await write('results.json', JSON.stringify(results, null, 2) + '\n', 'json');
  await write('results.md', table, 'markdown');
  await write('bench.svg', svg(results));
  console.log('\n' + table);
  console.log(`written to ${outDir}`);
} else if (exitCode === 0 && only === 'redis') {
  console.log('\n' + clusterMarkdown(results));
} else if (exitCode === 0 && only === 'room') {
  console.log('\n' + roomMarkdown(results));
}
process.exit(exitCode);
