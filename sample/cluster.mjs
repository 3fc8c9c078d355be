// The sample as a cluster: a redis-server of its own and two sample instances sharing their rooms
// through it. `npm run sample:cluster` builds first, then runs this. Ctrl-C or SIGTERM stops the
// instances (each closes its connections and says goodbye to the other), then Redis.
//
//   PORT_A, PORT_B  the instances' ports (3000, 3001; 0: any free one)
//   REDIS_PORT      the port of the redis-server started here (default: a free one)
//   REDIS_URL       a Redis already running: none is started
//   HOST            the interface the instances listen on (default: all)
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(ROOT, 'sample/dist/main.js');
const READY = /gateway ws:\/\/localhost:(\d+)\/ws/;
const STOP_GRACE_MS = 10_000;

/** Every child started here, ended in reverse order: the instances before Redis. */
const children = [];
let stopping = false;

function say(line) {
  process.stdout.write(`[cluster] ${line}\n`);
}

/** Copies a child's output line by line, each line tagged with whose it is. */
function tagLines(stream, tag, target) {
  let rest = '';
  stream.on('data', (chunk) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop();
    for (const line of lines) target.write(`[${tag}] ${line}\n`);
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a child and resolves once `isReady` recognises a line of its stdout; rejects with its
 * output when it ends first. Its own process group, so that Ctrl-C reaches this script alone,
 * which then stops the children in order.
 */
function start(name, command, args, { env = {}, isReady, quiet = false }) {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const entry = { name, child, exited: new Promise((resolve) => child.once('close', resolve)) };
  children.push(entry);
  let output = '';
  let ready = false;
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(error));
    // Kept until ready, to tell why a child did not start; its tagged copy goes on regardless.
    child.stdout.on('data', (chunk) => {
      if (ready) return;
      output += chunk.toString('utf8');
      for (const line of output.split('\n')) {
        const found = isReady(line);
        if (found === undefined) continue;
        ready = true;
        resolve(found);
        return;
      }
    });
    child.stderr.on('data', (chunk) => {
      if (!ready) output += chunk.toString('utf8');
    });
    if (!quiet) {
      tagLines(child.stdout, name, process.stdout);
      tagLines(child.stderr, name, process.stderr);
    }
    child.once('exit', (code, signal) => {
      if (!ready) {
        reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${output}`));
      } else if (!stopping) {
        say(`${name} exited (${code ?? signal}); stopping the others`);
        void stopAll(1);
      }
    });
  });
}

async function startRedis() {
  const port = process.env.REDIS_PORT ? Number(process.env.REDIS_PORT) : await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  try {
    await start('redis', 'redis-server', args, {
      quiet: true,
      isReady: (line) => (line.includes('Ready to accept connections') ? true : undefined),
    });
  } catch (error) {
    if (error.code === 'ENOENT') {
      throw new Error(
        'redis-server is not installed. On Debian or Ubuntu: apt-get install redis-server ' +
          '(or give REDIS_URL of a Redis already running).',
      );
    }
    throw error;
  }
  return `redis://127.0.0.1:${port}`;
}

function startInstance(name, port, redisUrl, bot) {
  return start(name, process.execPath, [MAIN], {
    env: { PORT: String(port), REDIS_URL: redisUrl, CHAT_BOT: bot ? 'on' : 'off' },
    isReady: (line) => {
      const found = READY.exec(line)?.[1];
      return found === undefined ? undefined : Number(found);
    },
  });
}

/** SIGTERM to each child, the last started first, each waited for (SIGKILL after a grace). */
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const { name, child, exited } of children.reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        say(`${name} still running after ${STOP_GRACE_MS} ms: killed`);
        child.kill('SIGKILL');
      }, STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    say(`${name} stopped`);
  }
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    say(`${signal}: stopping`);
    void stopAll(0);
  });
}

try {
  const given = process.env.REDIS_URL;
  const redisUrl = given || (await startRedis());
  say(given ? `Redis at ${redisUrl}` : `redis-server (no persistence) at ${redisUrl}`);
  const ports = [Number(process.env.PORT_A ?? 3000), Number(process.env.PORT_B ?? 3001)];
  // One bot for the cluster: a second one would sit in the lobby too and answer every command twice.
  const [a, b] = await Promise.all([
    startInstance('a', ports[0], redisUrl, true),
    startInstance('b', ports[1], redisUrl, false),
  ]);
  say(`instance a: http://localhost:${a}/ (gateway ws://localhost:${a}/ws, runs the bot)`);
  say(`instance b: http://localhost:${b}/ (gateway ws://localhost:${b}/ws)`);
  say('join one room on both pages and talk; Ctrl-C stops all three');
} catch (error) {
  process.stderr.write(`[cluster] ${error.message}\n`);
  await stopAll(1);
}
