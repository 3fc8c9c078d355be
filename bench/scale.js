// The scaling run, from run.js (`--only=scale`): for 2, 4 and 8 instances (cluster-server.js,
// each in its own process) on one redis-server, every instance holds rooms of its own (its
// clients, in scale-crowd.js, join only its rooms), and broadcasts go to random rooms from random
// instances. What is measured is CPU time, not wall time (the machine is shared): every
// instance's `process.cpuUsage()` around each chunk of broadcasts, less what it spends idle, and
// Redis's own (INFO cpu) over the whole run. A chunk has one issuing instance and one holding
// instance, so that each instance's CPU can be put down to its role in it: holding the room,
// issuing the broadcast without holding the room, or neither (a room it does not hold).
// The whole is run `passes` times, the servers' order alternating; each figure is the median over
// the passes (the lower one of two), as other processes on a shared machine skew a pass now and
// then.
/* global console, performance */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, start } from './children.js';
import { findRedisServer, startRedis } from './redis-server.js';
import { SCALE_LABELS, SCALE_SERVERS } from './shared.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cpuMs = ({ user, system }) => (user + system) / 1000;

/** Whether the built EtpRedisBroker takes a `sharded` option (its typings say so). */
function brokerHasSharded() {
  const dir = join(root, 'dist', 'redis');
  if (!existsSync(dir)) return false;
  return readdirSync(dir)
    .filter((name) => name.endsWith('.d.ts'))
    .some((name) => /\bsharded\?\s*:/.test(readFileSync(join(dir, name), 'utf8')));
}

/** Why a server cannot run here, or undefined when it can. */
function unavailable(kind) {
  if (kind.startsWith('etp') && !existsSync(join(root, 'dist', 'redis', 'index.js')))
    return 'not available: the build has no dist/redis/index.js';
  if (kind === 'etp-sharded' && !brokerHasSharded())
    return 'not available: EtpRedisBroker has no `sharded` option in this build';
  return undefined;
}

/** Redis's CPU in ms (INFO cpu) and how many PUBLISH and SPUBLISH it has run (INFO commandstats). */
async function redisStats(client) {
  const cpu = await client.info('cpu');
  const stats = await client.info('commandstats');
  const field = (text, name) => Number(new RegExp(`${name}:([\\d.]+)`).exec(text)?.[1] ?? 0);
  const calls = (command) =>
    Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  return {
    cpu: (field(cpu, 'used_cpu_sys') + field(cpu, 'used_cpu_user')) * 1000,
    publish: calls('publish'),
    spublish: calls('spublish'),
  };
}

/** Each figure's median over the passes of one server at one instance count. */
function medianRun(runs) {
  const median = (values) => {
    const known = values.filter((value) => value !== undefined).sort((a, b) => a - b);
    return known.length === 0 ? undefined : known[Math.floor((known.length - 1) / 2)];
  };
  return Object.fromEntries(
    Object.keys(runs[0]).map((key) => [key, median(runs.map((run) => run[key]))]),
  );
}

/** A random integer in [0, n). */
const pick = (n) => Math.floor(Math.random() * n);
const roomName = (instance, room) => `i${instance}-r${room}`;

/** Runs every server at every instance count of `config.instances`; see the file's head. */
export async function runScale(config, servers = SCALE_SERVERS) {
  const executable = findRedisServer();
  if (executable === undefined) {
    throw new Error('redis-server is not installed (Debian: apt-get install -y redis-server)');
  }
  const { Redis } = await import('ioredis');
  const redis = await startRedis(executable);
  const client = new Redis(redis.url);
  const scale = { servers: {} };
  try {
    scale.redis = /redis_version:(\S+)/.exec(await client.info('server'))?.[1];
    for (const kind of servers) {
      const reason = unavailable(kind);
      scale.servers[kind] = reason === undefined ? { runs: [] } : { unavailable: reason };
      if (reason !== undefined) console.log(`scale ${SCALE_LABELS[kind].padEnd(40)} ${reason}`);
    }
    const runnable = servers.filter((kind) => scale.servers[kind].unavailable === undefined);
    const passes = Object.fromEntries(
      runnable.map((kind) => [kind, config.instances.map(() => [])]),
    );
    for (let pass = 0, step = 0; pass < config.passes; pass++) {
      for (const [index, count] of config.instances.entries()) {
        // Alternate the order, so that no server always runs first or last.
        const order = step++ % 2 === 0 ? runnable : [...runnable].reverse();
        for (const kind of order) {
          passes[kind][index].push(await scaleOnce(kind, count, redis, client, config));
        }
      }
    }
    for (const kind of runnable) {
      scale.servers[kind].runs = passes[kind].map(medianRun);
      scale.servers[kind].passes = passes[kind];
    }
  } finally {
    client.disconnect();
    await redis.stop();
  }
  return scale;
}

async function startInstance(kind, redisUrl) {
  const instance = start('cluster-server.js', [kind, redisUrl]);
  const { port } = await instance.next('listening', 60_000);
  return { ...instance, port };
}

/** One server at one instance count: fresh instances and clients, a warm-up, measured chunks. */
async function scaleOnce(kind, count, redis, client, config) {
  const { rooms, perRoom, broadcasts, chunk } = config;
  const label = `${SCALE_LABELS[kind]}, ${count} instances`;
  const instances = [];
  let crowd;
  try {
    for (let index = 0; index < count; index++) {
      instances.push(await startInstance(kind, redis.url));
    }
    crowd = start('scale-crowd.js', [
      JSON.stringify({
        kind,
        perRoom,
        concurrency: config.concurrency,
        targets: instances.map((instance, index) => ({
          port: instance.port,
          rooms: Array.from({ length: rooms }, (_, room) => roomName(index, room)),
        })),
      }),
    ]);
    const connected = await crowd.next('connected', 180_000);
    if (connected.failure !== undefined) throw new Error(`${label}: ${connected.failure}`);
    const clients = count * rooms * perRoom;
    for (let tries = 0; ; tries++) {
      const counts = await Promise.all(instances.map((instance) => instance.ask('members')));
      const members = counts.reduce((sum, { count }) => sum + count, 0);
      if (members === clients) break;
      if (tries === 100) throw new Error(`${label}: ${members} of ${clients} clients in a room`);
      await sleep(100);
    }
    await sleep(config.settleMs);

    const sentTo = {};
    let delivered = 0;
    const cpuOfAll = async () =>
      (await Promise.all(instances.map((instance) => instance.ask('cpu')))).map((usage) => ({
        ms: cpuMs(usage),
        at: usage.at,
      }));
    /** Sends one chunk of broadcasts from `issuer` to rooms of `holder`; resolves on delivery. */
    const sendChunk = async (issuer, holder, size) => {
      const list = Array.from({ length: size }, () => {
        const room = roomName(holder, pick(rooms));
        sentTo[room] = (sentTo[room] ?? 0) + 1;
        return [room, pick(900_000)];
      });
      delivered += size * perRoom;
      await crowd.ask('expect', { total: delivered });
      const received = crowd.next('received', config.chunkTimeoutMs);
      const emitted = await instances[issuer].ask('emit', { broadcasts: list }, 60_000);
      if (emitted.failure !== undefined) throw new Error(`${label}: ${emitted.failure}`);
      try {
        await received;
      } catch {
        const check = await crowd.ask('check');
        throw new Error(
          `${label}: ${check.received} of ${delivered} deliveries after ` +
            `${config.chunkTimeoutMs} ms${check.failure === undefined ? '' : ` (${check.failure})`}`,
        );
      }
    };

    // Warm-up: every code path and every Redis subscription used once before counting.
    for (let issuer = 0; issuer < count; issuer++) {
      await sendChunk(issuer, (issuer + 1) % count, Math.min(chunk, 10));
      await sendChunk(issuer, issuer, Math.min(chunk, 10));
    }
    await sleep(config.settleMs);
    const idleBefore = await cpuOfAll();
    await sleep(config.idleMs);
    const idleAfter = await cpuOfAll();
    const idlePerMs = idleAfter.map(
      (after, index) => (after.ms - idleBefore[index].ms) / (after.at - idleBefore[index].at),
    );

    const roles = {
      holder: { ms: 0, broadcasts: 0 },
      issuer: { ms: 0, broadcasts: 0 },
      other: { ms: 0, broadcasts: 0 },
    };
    let instancesMs = 0;
    const redisBefore = await redisStats(client);
    const crowdBefore = cpuMs((await crowd.ask('check')).cpu);
    const startedAt = performance.now();
    for (let sent = 0; sent < broadcasts; sent += chunk) {
      const size = Math.min(chunk, broadcasts - sent);
      const issuer = pick(count);
      const holder = pick(count);
      const before = await cpuOfAll();
      await sendChunk(issuer, holder, size);
      // Let every instance finish with what Redis brought it (the ones that drop it included).
      await sleep(config.chunkSettleMs);
      const after = await cpuOfAll();
      after.forEach((usage, index) => {
        const spent = Math.max(
          0,
          usage.ms - before[index].ms - idlePerMs[index] * (usage.at - before[index].at),
        );
        const role = index === holder ? 'holder' : index === issuer ? 'issuer' : 'other';
        roles[role].ms += spent;
        roles[role].broadcasts += size;
        instancesMs += spent;
      });
    }
    const seconds = (performance.now() - startedAt) / 1000;
    const redisAfter = await redisStats(client);
    const crowdMs = cpuMs((await crowd.ask('check')).cpu) - crowdBefore;
    const verified = await crowd.ask('verify', { counts: sentTo });
    if (verified.failure !== undefined) throw new Error(`${label}: ${verified.failure}`);

    const per1000 = (ms, n) => (n === 0 ? undefined : (ms / n) * 1000);
    const run = {
      instances: count,
      clients,
      broadcasts,
      seconds,
      perInstance: per1000(instancesMs / count, broadcasts),
      holder: per1000(roles.holder.ms, roles.holder.broadcasts),
      issuer: per1000(roles.issuer.ms, roles.issuer.broadcasts),
      other: per1000(roles.other.ms, roles.other.broadcasts),
      redis: per1000(redisAfter.cpu - redisBefore.cpu, broadcasts),
      publish: redisAfter.publish - redisBefore.publish,
      spublish: redisAfter.spublish - redisBefore.spublish,
      clients_cpu: per1000(crowdMs, broadcasts),
    };
    const fixed = (value) => (value === undefined ? '—' : value.toFixed(1));
    console.log(
      `scale ${label.padEnd(48)} per instance ${fixed(run.perInstance)} ms/1k  holder ` +
        `${fixed(run.holder)}  issuer ${fixed(run.issuer)}  other ${fixed(run.other)}  ` +
        `redis ${fixed(run.redis)} ms/1k  (${run.publish} PUBLISH, ${run.spublish} SPUBLISH, ` +
        `${seconds.toFixed(1)} s)`,
    );
    return run;
  } finally {
    crowd?.child.kill('SIGKILL');
    if (crowd !== undefined) await crowd.exit;
    await Promise.all(instances.map((instance) => instance.stop()));
  }
}
