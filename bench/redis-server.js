// A throwaway `redis-server` for the benchmark: on a free loopback port, with no persistence, and
// its CPU time read from /proc so that the broker's share of a broadcast can be counted.
/* global clearTimeout, process, setTimeout */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { HOST } from './shared.js';

/** The path of redis-server, or undefined when it is not installed. */
export function findRedisServer() {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ; 100 on every Linux port). */
const TICKS_PER_SECOND = Number(
  spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim() || 100,
);

/**
 * The CPU time a process has used, in ms: `stat` from /proc/<pid>/stat (utime + stime, every
 * thread, in clock ticks: 10 ms steps), and `sched` from the scheduler's per-thread run time in
 * /proc/<pid>/task/<tid>/schedstat (ns), when the kernel keeps it. A broadcast costs Redis far less
 * than a tick, so only the sum over many broadcasts means anything with `stat`.
 */
export function processCpu(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name, in parentheses, may hold spaces: count the fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5)
  let sched;
  try {
    sched = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      sched += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    }
    sched /= 1e6;
  } catch {
    sched = undefined;
  }
  return { stat: (ticks * 1000) / TICKS_PER_SECOND, sched };
}

/** Starts redis-server; resolves once it accepts connections. */
export async function startRedis(executable) {
  const port = await freePort();
  const child = spawn(
    executable,
    [
      '--port',
      String(port),
      '--bind',
      HOST,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      tmpdir(),
      '--logfile',
      '',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  let log = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start:\n${log}`)),
      10_000,
    );
    const read = (chunk) => {
      log += chunk;
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout.off('data', read);
        resolve();
      }
    };
    child.stdout.setEncoding('utf8').on('data', read);
    child.stderr.setEncoding('utf8').on('data', (chunk) => (log += chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}):\n${log}`));
    });
  });
  // Keep reading, so that a full pipe never blocks the server.
  child.stdout.resume();
  return {
    url: `redis://${HOST}:${port}`,
    pid: child.pid,
    cpu: () => processCpu(child.pid),
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(kill, 5_000);
      await exited;
      clearTimeout(timer);
      process.off('exit', kill);
    },
  };
}
