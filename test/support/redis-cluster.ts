import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, killRedisServer, NO_PERSISTENCE, spawnRedisServer } from './redis-server.js';

const run = promisify(execFile);

/** One master of the cluster: a `redis-server` on a loopback port, its config in `dir`. */
class ClusterNode {
  private child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  start(): Promise<void> {
    const { child, ready } = spawnRedisServer([
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(this.dir, `nodes-${this.port}.conf`),
      '--cluster-node-timeout',
      '1000',
      // The other masters keep serving their slots while one is down.
      '--cluster-require-full-coverage',
      'no',
      ...NO_PERSISTENCE,
      '--dir',
      this.dir,
    ]);
    this.child = child;
    return ready;
  }

  /** Ends the node at once, as a crash does, and waits for its exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await killRedisServer(child);
  }

  async info(section: string): Promise<string> {
    const { stdout } = await run('redis-cli', ['-p', String(this.port), 'cluster', section]);
    return stdout;
  }
}

/**
 * A Redis Cluster of three masters and no replicas on loopback ports, for the tests: no
 * persistence, its node files in a temporary directory removed at `stop()`. A master stopped
 * with `stopNode` and started again with `startNode` comes back with its slots, as after a crash.
 */
export class RedisCluster {
  private constructor(
    readonly nodes: ClusterNode[],
    private readonly dir: string,
  ) {}

  static async start(masters = 3): Promise<RedisCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'etp-redis-cluster-'));
    const ports: number[] = [];
    while (ports.length < masters) {
      const port = await freePort();
      // The cluster bus listens on port + 10000: both must be free.
      if (port < 55_535 && !ports.includes(port)) ports.push(port);
    }
    const cluster = new RedisCluster(
      ports.map((port) => new ClusterNode(port, dir)),
      dir,
    );
    try {
      await Promise.all(cluster.nodes.map((node) => node.start()));
      await run('redis-cli', [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-yes',
      ]);
      await cluster.ready();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** `host:port` of every master, as `CLUSTER_NODES` lists them. */
  get addresses(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  stopNode(index: number): Promise<void> {
    return this.nodes[index].stop();
  }

  async startNode(index: number): Promise<void> {
    await this.nodes[index].start();
    await this.ready();
  }

  /** Resolves once every node says the cluster is ok; fails after `timeoutMs`. */
  async ready(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(this.nodes.map((node) => node.info('info').catch(() => '')));
      if (states.every((state) => state.includes('cluster_state:ok'))) return;
      if (Date.now() > deadline) throw new Error(`Redis Cluster not ok:\n${states.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
    await rm(this.dir, { recursive: true, force: true });
  }
}
