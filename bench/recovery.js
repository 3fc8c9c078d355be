// Connection-state recovery, run from run.js (`--only=recovery`):
// 1. The cost of keeping: one instance, its clients in one room, a stream of room broadcasts
//    with recovery off and on (history in the process, and in a Redis stream), the instance's
//    CPU per broadcast compared.
// 2. A mass reconnect: instances A and B share the room through one redis-server; every client is
//    on A, behind a TCP balancer; B broadcasts; A goes away (SIGKILL, or app.close()) while B
//    goes on broadcasting, the balancer sends the clients to B, and each must get every tick
//    once, in order. Side by side with socket.io's own recovery on its Redis Streams adapter.
// Every child is stopped in a `finally`, and every wait has a time limit: nothing can hang.
/* global console, performance */
import { startBalancer } from './balancer.js';
import { sleep, start } from './children.js';
import { findRedisServer, startRedis } from './redis-server.js';

export const KEEPING_SERVERS = ['etp', 'etp-kept', 'etp-redis', 'etp-redis-kept'];
export const RECONNECT_SERVERS = ['etp-redis-kept', 'io-streams'];
export const RECOVERY_LABELS = {
  etp: 'EtpAdapter, recovery off',
  'etp-kept': 'EtpAdapter, recovery on (history in the process)',
  'etp-redis': 'EtpAdapter + EtpRedisBroker, recovery off',
  'etp-redis-kept': 'EtpAdapter + EtpRedisBroker, recovery on (history in Redis streams)',
  'io-streams': 'socket.io + @socket.io/redis-streams-adapter, connectionStateRecovery',
};

const cpuMs = (usage) => (usage.user + usage.system) / 1000;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function checked(reply) {
  if (reply.failure !== undefined) throw new Error(reply.failure);
  return reply;
}

async function startInstance(kind, redisUrl) {
  const server = start('recovery-server.js', [kind, redisUrl ?? '-']);
  const { port } = await server.next('listening', 30_000);
  return { ...server, port };
}

function urlOf(kind, port) {
  return kind.startsWith('etp') ? `ws://127.0.0.1:${port}/ws` : `http://127.0.0.1:${port}`;
}

/** CPU ms of an instance between two `cpu` answers. */
async function cpuOf(instance) {
  return cpuMs(await instance.ask('cpu'));
}

/** One pass of the cost of keeping for one server: CPU ms per broadcast. */
async function keepingOnce(kind, config, redis) {
  const children = [];
  try {
    const server = await startInstance(kind, redis?.url);
    children.push(server);
    const clients = start('recovery-clients.js', ['raw', urlOf(kind, server.port), config.clients]);
    children.push(clients);
    await clients.next('ready');
    checked(await clients.ask('connect', {}, 120_000));
    // A first stream warms the instance up (JIT, the room's history started).
    let seq = 0;
    const stream = async (broadcasts) => {
      const from = seq + 1;
      seq += broadcasts;
      checked(await server.ask('emit', { from, to: seq, chunk: config.chunk }, 120_000));
      const { met, short } = await clients.ask('reached', { seq, timeoutMs: 60_000 }, 70_000);
      if (!met) throw new Error(`${kind}: ${short} clients did not get tick ${seq}`);
    };
    await stream(config.warmup);
    const idleFrom = await cpuOf(server);
    const idleAt = performance.now();
    await sleep(config.idleMs);
    const idlePerMs = ((await cpuOf(server)) - idleFrom) / (performance.now() - idleAt);
    const before = await cpuOf(server);
    const startedAt = performance.now();
    await stream(config.broadcasts);
    const ms = performance.now() - startedAt;
    const cpu = Math.max(0, (await cpuOf(server)) - before - idlePerMs * ms);
    const { lost, duplicated } = checked(await clients.ask('state'));
    return { cpuPerBroadcast: cpu / config.broadcasts, ms, lost, duplicated };
  } finally {
    for (const child of children.reverse()) await child.stop();
  }
}

/** One mass reconnect for one server and one way of losing A. */
async function reconnectOnce(kind, mode, config, redis) {
  const children = [];
  let balancer;
  try {
    const a = await startInstance(kind, redis.url);
    children.push(a);
    const b = await startInstance(kind, redis.url);
    children.push(b);
    balancer = await startBalancer(a.port);
    const clientKind = kind.startsWith('etp') ? 'etp' : 'io';
    const clients = start('recovery-clients.js', [
      clientKind,
      urlOf(kind, balancer.port),
      config.clients,
    ]);
    children.push(clients);
    await clients.next('ready');
    checked(await clients.ask('connect', {}, 120_000));
    const before = config.before;
    checked(await b.ask('emit', { from: 1, to: before }, 60_000));
    const warm = await clients.ask('reached', { seq: before, timeoutMs: 30_000 }, 40_000);
    if (!warm.met) throw new Error(`${kind}: ${warm.short} clients missed the first ticks`);
    // Let socket.io's stream reader and the instances settle before A goes.
    await sleep(300);
    checked(await clients.ask('drop'));
    const cpuB = await cpuOf(b);
    const cpuRedis = redis.cpu();
    const startedAt = performance.now();
    balancer.retarget(b.port);
    if (mode === 'kill') a.child.kill('SIGKILL');
    else a.child.send({ cmd: 'shutdown' });
    const last = before + config.during;
    const during = b.ask(
      'emit',
      { from: before + 1, to: last, spacingMs: config.spacingMs },
      60_000,
    );
    const reconnected = await clients.ask(
      'reconnected',
      { timeoutMs: config.timeoutMs },
      config.timeoutMs + 10_000,
    );
    const reconnectedMs = performance.now() - startedAt;
    checked(await during);
    // One more tick once every client is back: it tells that each one is in the room again.
    checked(await b.ask('emit', { from: last + 1, to: last + 1 }, 10_000));
    const reached = await clients.ask(
      'reached',
      { seq: last + 1, timeoutMs: config.timeoutMs },
      config.timeoutMs + 10_000,
    );
    const caughtUpMs = performance.now() - startedAt;
    const cpu = (await cpuOf(b)) - cpuB;
    const redisAfter = redis.cpu();
    const state = checked(await clients.ask('state'));
    return {
      mode,
      clients: config.clients,
      missed: config.during,
      reconnected: reconnected.met ? state.reconnected : `${state.reconnected} (timed out)`,
      reconnectedMs,
      caughtUpMs: reached.met ? caughtUpMs : undefined,
      short: reached.short,
      recovered: state.recovered,
      lost: state.lost,
      duplicated: state.duplicated,
      cpuB: cpu,
      redisCpu: {
        stat: redisAfter.stat - cpuRedis.stat,
        sched:
          redisAfter.sched === undefined || cpuRedis.sched === undefined
            ? undefined
            : redisAfter.sched - cpuRedis.sched,
      },
    };
  } finally {
    await balancer?.close();
    for (const child of children.reverse()) await child.stop();
  }
}

/** Runs both parts; resolves with their results, and throws when a recovered run lost a tick. */
export async function runRecovery(config, servers) {
  const executable = findRedisServer();
  if (executable === undefined) {
    throw new Error('redis-server is not installed (Debian: apt-get install -y redis-server)');
  }
  const keeping = {};
  const reconnects = [];
  for (const kind of KEEPING_SERVERS.filter((kind) => servers?.includes(kind) ?? true)) {
    keeping[kind] = [];
  }
  for (let pass = 0; pass < config.keeping.passes; pass++) {
    for (const kind of Object.keys(keeping)) {
      const redis = kind.startsWith('etp-redis') ? await startRedis(executable) : undefined;
      try {
        const result = await keepingOnce(kind, config.keeping, redis);
        keeping[kind].push(result);
        console.log(
          `recovery, keeping: ${RECOVERY_LABELS[kind]}: ${result.cpuPerBroadcast.toFixed(3)} ms CPU per broadcast`,
        );
      } finally {
        await redis?.stop();
      }
    }
  }
  for (const mode of config.reconnect.modes) {
    for (const kind of RECONNECT_SERVERS.filter((kind) => servers?.includes(kind) ?? true)) {
      const redis = await startRedis(executable);
      try {
        const result = await reconnectOnce(kind, mode, config.reconnect, redis);
        reconnects.push({ kind, ...result });
        console.log(
          `recovery, reconnect (${mode}): ${RECOVERY_LABELS[kind]}: ${result.reconnected} back in ${result.reconnectedMs.toFixed(0)} ms, ${result.recovered} recovered, ${result.lost} lost, ${result.duplicated} duplicated`,
        );
      } finally {
        await redis.stop();
      }
    }
  }
  const summary = {
    keeping: Object.fromEntries(
      Object.entries(keeping).map(([kind, runs]) => [
        kind,
        {
          cpuPerBroadcast: median(runs.map((run) => run.cpuPerBroadcast)),
          runs: runs.map((run) => run.cpuPerBroadcast),
          lost: runs.reduce((sum, run) => sum + run.lost, 0),
          duplicated: runs.reduce((sum, run) => sum + run.duplicated, 0),
        },
      ]),
    ),
    reconnects,
  };
  const failures = [];
  for (const [kind, result] of Object.entries(summary.keeping)) {
    if (result.lost + result.duplicated > 0)
      failures.push(`${kind}: ${result.lost} lost, ${result.duplicated} duplicated`);
  }
  for (const run of reconnects) {
    if (!run.kind.startsWith('etp')) continue;
    if (run.lost + run.duplicated > 0 || run.recovered !== run.clients || run.short > 0)
      failures.push(
        `${run.kind} (${run.mode}): ${run.recovered}/${run.clients} recovered, ${run.lost} lost, ${run.duplicated} duplicated, ${run.short} short`,
      );
  }
  summary.failures = failures;
  return summary;
}

const fixed = (value, digits = 1) => (value === undefined ? '—' : value.toFixed(digits));
const thousands = (value) => value.toLocaleString('en-US');

/** The two tables of the README's section, with the ratios. */
export function recoveryMarkdown(summary, config) {
  const lines = [];
  const k = config.keeping;
  lines.push(
    `Cost of keeping: ${thousands(k.clients)} clients in one room of one instance, ${thousands(k.broadcasts)} room broadcasts (${thousands(k.warmup)} more before, as warm-up), ${k.passes} pass(es), median; the instance's CPU per broadcast (\`process.cpuUsage\`, less its idle rate). Every client asks for recovery in its handshake, so with recovery on each broadcast is written as its kept form.`,
    '',
    '| Server | CPU ms per broadcast | recovery on / off | lost | duplicated |',
    '| --- | ---: | ---: | ---: | ---: |',
  );
  const base = { 'etp-kept': 'etp', 'etp-redis-kept': 'etp-redis' };
  for (const [kind, result] of Object.entries(summary.keeping)) {
    const off = summary.keeping[base[kind]];
    const ratio =
      off === undefined ? '—' : `${(result.cpuPerBroadcast / off.cpuPerBroadcast).toFixed(2)}×`;
    lines.push(
      `| ${RECOVERY_LABELS[kind]} | ${fixed(result.cpuPerBroadcast, 3)} | ${ratio} | ${result.lost} | ${result.duplicated} |`,
    );
  }
  const r = config.reconnect;
  lines.push(
    '',
    `Mass reconnect: ${thousands(r.clients)} clients in one room, all on instance A behind a TCP balancer; instance B broadcasts ${r.before} ticks, then A goes away (\`kill\`: SIGKILL; \`shutdown\`: \`app.close()\`) while B broadcasts ${r.during} more, ${r.spacingMs} ms apart, and the balancer sends every reconnection to B; one more tick once all are back. _Back_: until every client is connected again; _caught up_: until every client has the last tick. CPU from A's loss to the last tick: B's (\`process.cpuUsage\`) and redis-server's (scheduler run time).`,
    '',
    '| Server | A | back ms | caught up ms | recovered | lost | duplicated | B CPU ms | redis-server CPU ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const run of summary.reconnects) {
    lines.push(
      `| ${RECOVERY_LABELS[run.kind]} | ${run.mode} | ${fixed(run.reconnectedMs, 0)} | ${fixed(run.caughtUpMs, 0)} | ${run.recovered} / ${run.clients} | ${thousands(run.lost)} | ${run.duplicated} | ${fixed(run.cpuB, 0)} | ${fixed(run.redisCpu.sched ?? run.redisCpu.stat, 0)} |`,
    );
  }
  return lines.join('\n');
}
