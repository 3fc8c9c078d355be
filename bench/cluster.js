// The broadcast across two instances through one Redis, run from run.js: for each server, two
// instances (cluster-server.js) share a room through the same redis-server, their members are
// clients in other processes (cluster-crowd.js), half of them on each instance, and instance A
// broadcasts to the room. A round lasts from the runner's command to A until every client has
// the message; the CPU time of both instances and of redis-server is counted over each round.
// On a shared machine, BENCH_CLUSTER_CLIENTS, BENCH_CLUSTER_PASSES and BENCH_CLUSTER_ROUNDS
// (environment) make a run smaller than run.js's configuration.
/* global console, performance, process */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, start } from './children.js';
import { findRedisServer, startRedis } from './redis-server.js';
import { CLUSTER_LABELS, CLUSTER_SERVERS } from './shared.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Why a server cannot run here, or undefined when it can. */
function unavailable(kind) {
  if (kind.startsWith('etp') && !existsSync(join(root, 'dist', 'redis', 'index.js')))
    return 'not available: the build has no dist/redis/index.js (nestjs-etp/redis)';
  return undefined;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
const cpuMs = (usage) => (usage.user + usage.system) / 1000;

/** CPU ms per second of what `spent` measured over a time with no broadcast. */
function perSecond({ seconds, a, b, clients, redis }) {
  return {
    seconds,
    a: a / seconds,
    b: b / seconds,
    clients: clients / seconds,
    redis: {
      stat: redis.stat / seconds,
      sched: redis.sched === undefined ? undefined : redis.sched / seconds,
    },
  };
}

/**
 * A round's CPU less what the same processes spend idle over as long a time (timers, pings,
 * heartbeats, Redis's own cron), so that a figure is the broadcast's cost alone; the raw figures
 * stay in `raw`. Redis's /proc/<pid>/stat count stays raw: in 10 ms ticks, an idle second reads
 * as 0 or 10 ms, and taking that off each round would be noise, not a correction.
 */
function net(round, idle) {
  const less = (value, rate) => Math.max(0, value - rate * round.seconds);
  return {
    ...round,
    a: less(round.a, idle.a),
    b: less(round.b, idle.b),
    clients: less(round.clients, idle.clients),
    redis: {
      stat: round.redis.stat,
      sched:
        round.redis.sched === undefined ? undefined : less(round.redis.sched, idle.redis.sched),
    },
    raw: { a: round.a, b: round.b, clients: round.clients, redis: round.redis },
  };
}

/** Runs `config.passes` passes of every server, alternating their order; see the file's head. */
export async function runCluster(configured, servers = CLUSTER_SERVERS) {
  const config = { ...configured };
  for (const [key, name] of [
    ['clients', 'BENCH_CLUSTER_CLIENTS'],
    ['passes', 'BENCH_CLUSTER_PASSES'],
    ['rounds', 'BENCH_CLUSTER_ROUNDS'],
  ]) {
    if (process.env[name] !== undefined) config[key] = Number(process.env[name]);
  }
  const executable = findRedisServer();
  if (executable === undefined) {
    throw new Error('redis-server is not installed (Debian: apt-get install -y redis-server)');
  }
  const redisVersion = /v=(\S+)/.exec(
    spawnSync(executable, ['--version'], { encoding: 'utf8' }).stdout,
  )?.[1];
  const runnable = servers.filter((kind) => unavailable(kind) === undefined);
  const passes = Object.fromEntries(runnable.map((kind) => [kind, []]));
  const redis = await startRedis(executable);
  try {
    for (let pass = 0; pass < config.passes; pass++) {
      const order = pass % 2 === 0 ? runnable : [...runnable].reverse();
      for (const kind of order) passes[kind].push(await clusterOnce(kind, redis, config));
    }
  } finally {
    await redis.stop();
  }
  const cluster = { redis: redisVersion };
  for (const kind of servers) {
    const reason = unavailable(kind);
    if (reason !== undefined) {
      console.log(`redis ${CLUSTER_LABELS[kind].padEnd(36)} ${reason}`);
      cluster[kind] = { unavailable: reason };
    } else {
      cluster[kind] = summarize(passes[kind]);
    }
  }
  return cluster;
}

/** The figures of every round of every pass of one server. */
function summarize(passes) {
  const rounds = passes.flatMap((pass) => pass.rounds);
  const times = rounds.map((round) => round.time);
  const perBroadcast = (pick) => mean(rounds.map(pick));
  const sched = rounds.every((round) => round.redis.sched !== undefined)
    ? perBroadcast((round) => round.redis.sched)
    : undefined;
  return {
    median: median(times),
    best: Math.min(...times),
    sendLoop: median(rounds.map((round) => round.sendLoop)),
    cpu: {
      a: perBroadcast((round) => round.a),
      b: perBroadcast((round) => round.b),
      instances: perBroadcast((round) => round.a + round.b),
      // In 10 ms ticks: only its sum over every round means something.
      redisStat: perBroadcast((round) => round.redis.stat),
      redisSched: sched,
      clients: perBroadcast((round) => round.clients),
    },
    idle: passes.map((pass) => pass.idle),
    connectSeconds: passes.map((pass) => pass.connectSeconds),
    times,
  };
}

async function startInstance(kind, redisUrl) {
  const instance =
    kind === 'floor'
      ? start('floor-instance.js', [])
      : start('cluster-server.js', [kind, redisUrl]);
  const { port } = await instance.next('listening', 30_000);
  return { ...instance, port };
}

/** One pass: two fresh instances, the crowd, a warm-up round, then `config.rounds` rounds. */
async function clusterOnce(kind, redis, config) {
  const { clients, loaders: loaderCount, concurrency } = config;
  const instances = await Promise.all([
    startInstance(kind, redis.url),
    startInstance(kind, redis.url),
  ]);
  const [a, b] = instances;
  // Each load process gets an equal share of the clients of each instance.
  const shareOf = (count, index) =>
    Math.floor(count / loaderCount) + (index < count % loaderCount ? 1 : 0);
  const onA = Math.ceil(clients / 2);
  const loaders = Array.from({ length: loaderCount }, (_, index) =>
    start('cluster-crowd.js', [
      JSON.stringify({
        kind,
        concurrency: Math.ceil(concurrency / loaderCount),
        targets: [
          { port: a.port, clients: shareOf(onA, index) },
          { port: b.port, clients: shareOf(clients - onA, index) },
        ],
      }),
    ]),
  );
  const label = CLUSTER_LABELS[kind];
  const snapshot = async () => {
    const [cpuA, cpuB, ...cpuLoaders] = await Promise.all([
      a.ask('cpu'),
      b.ask('cpu'),
      ...loaders.map((loader) => loader.ask('check')),
    ]);
    return {
      at: performance.now(),
      a: cpuMs(cpuA),
      b: cpuMs(cpuB),
      redis: redis.cpu(),
      clients: cpuLoaders.reduce((sum, { cpu }) => sum + cpuMs(cpu), 0),
    };
  };
  const spent = (before, after) => ({
    seconds: (after.at - before.at) / 1000,
    a: after.a - before.a,
    b: after.b - before.b,
    clients: after.clients - before.clients,
    redis: {
      stat: after.redis.stat - before.redis.stat,
      sched: after.redis.sched === undefined ? undefined : after.redis.sched - before.redis.sched,
    },
  });

  /** Broadcasts round `round` from A and waits until every client of every loader has it. */
  const round = async (number) => {
    await Promise.all(loaders.map((loader) => loader.ask('expect', { round: number })));
    const before = await snapshot();
    const startedAt = performance.now();
    const received = Promise.all(
      loaders.map((loader) => loader.next('received', config.roundTimeoutMs)),
    );
    // The floor has no Redis hop: every instance writes to its own members.
    const senders = kind === 'floor' ? instances : [a];
    for (const sender of senders) sender.child.send({ cmd: 'broadcast', round: number });
    try {
      await received;
    } catch {
      const checks = await Promise.all(loaders.map((loader) => loader.ask('check')));
      const got = checks.reduce((sum, check) => sum + check.received, 0);
      const failure = checks.find((check) => check.failure !== undefined)?.failure;
      throw new Error(
        `${label}: round ${number}: ${got} of ${clients} clients had the broadcast after ` +
          `${config.roundTimeoutMs} ms${failure === undefined ? '' : ` (${failure})`}`,
      );
    }
    const time = performance.now() - startedAt;
    const [sent, ...others] = await Promise.all(senders.map((sender) => sender.next('broadcast')));
    const failed = [sent, ...others].find((reply) => reply.failure !== undefined);
    if (failed !== undefined) throw new Error(`${label}: ${failed.failure}`);
    // Let both instances finish what the broadcast left them (GC, drained writes) before counting.
    await sleep(config.settleMs);
    const after = await snapshot();
    const checks = await Promise.all(loaders.map((loader) => loader.ask('check')));
    for (const check of checks) {
      if (check.failure !== undefined)
        throw new Error(`${label}: round ${number}: ${check.failure}`);
      if (check.received !== check.total)
        throw new Error(`${label}: round ${number}: ${check.received} of ${check.total} had it`);
    }
    return { time, sendLoop: sent.sendLoop, ...spent(before, after) };
  };

  try {
    const connected = await Promise.all(loaders.map((loader) => loader.next('connected', 180_000)));
    const refused = connected.find((message) => message.failure !== undefined);
    if (refused !== undefined) throw new Error(`${label}: ${refused.failure}`);
    const connectSeconds = Math.max(...connected.map((message) => message.seconds));
    for (let tries = 0; ; tries++) {
      const counts = await Promise.all(instances.map((instance) => instance.ask('members')));
      const count = counts.reduce((sum, { count }) => sum + count, 0);
      if (count === clients) break;
      if (tries === 100) throw new Error(`${label}: ${count} of ${clients} clients in the room`);
      await sleep(100);
    }
    await sleep(500);
    await round(0); // warm-up: first use of every code path and of the Redis subscriptions
    // What the processes spend doing nothing (timers, heartbeats), for comparison.
    const idleBefore = await snapshot();
    await sleep(config.idleMs);
    const idleAfter = await snapshot();
    const idle = perSecond(spent(idleBefore, idleAfter));
    const rounds = [];
    for (let number = 1; number <= config.rounds; number++) {
      rounds.push(net(await round(number), idle));
    }
    const times = rounds.map((r) => r.time);
    console.log(
      `redis ${label.padEnd(36)} broadcast ${median(times).toFixed(1)} ms (best ` +
        `${Math.min(...times).toFixed(1)})  instances CPU ${mean(rounds.map((r) => r.a + r.b)).toFixed(1)} ms ` +
        `(A ${mean(rounds.map((r) => r.a)).toFixed(1)}, B ${mean(rounds.map((r) => r.b)).toFixed(1)})  ` +
        `redis CPU ${(rounds.reduce((sum, r) => sum + r.redis.stat, 0) / rounds.length).toFixed(2)} ms  ` +
        `clients CPU ${mean(rounds.map((r) => r.clients)).toFixed(1)} ms  ` +
        `connect ${connectSeconds.toFixed(1)} s`,
    );
    return {
      rounds,
      connectSeconds,
      idle,
    };
  } finally {
    for (const loader of loaders) loader.child.kill('SIGKILL');
    await Promise.all(loaders.map((loader) => loader.exit));
    await Promise.all(instances.map((instance) => instance.stop()));
  }
}
