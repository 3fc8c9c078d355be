import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A free loopback port, as the system hands one out. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A `redis-server` of the test's own on a loopback port, with no persistence: nothing is read
 * at start nor written at stop. `stop()` and `start()` again keep the port, as a restart does.
 */
export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  start(): Promise<void> {
    const { child, ready } = spawnRedisServer([
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      ...NO_PERSISTENCE,
    ]);
    this.child = child;
    return ready;
  }

  /** Ends the server at once (connections drop as on a crash) and waits for its exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await killRedisServer(child);
  }
}

/** Nothing read at start nor written at stop. */
export const NO_PERSISTENCE = ['--save', '', '--appendonly', 'no'];

/** Starts `redis-server` with `args`; `ready` resolves once it accepts connections. */
export function spawnRedisServer(args: string[]): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
  });
  return { child, ready };
}

/** Ends a `redis-server` at once, as a crash does, and waits for its exit. */
export async function killRedisServer(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}
