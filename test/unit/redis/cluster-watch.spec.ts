import { jest } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import type { Cluster } from 'ioredis';
import { ClusterWatch } from '../../../src/redis/cluster-watch.js';

/** A Redis Cluster whose readiness and nodes' answers the test decides. */
class FakeCluster {
  status = 'ready';
  pings = 0;
  answering = false;
  readonly nodeAnswers = new Map<string, boolean>();

  async ping(): Promise<string> {
    this.pings++;
    if (!this.answering) throw new Error('CLUSTERDOWN');
    return 'PONG';
  }

  nodes(): Array<{ options: { host: string; port: number }; ping: () => Promise<string> }> {
    return [...this.nodeAnswers.keys()].map((key) => {
      const [host, port] = key.split(':');
      return {
        options: { host, port: Number(port) },
        ping: async () => {
          if (!this.nodeAnswers.get(key)) throw new Error('down');
          return 'PONG';
        },
      };
    });
  }
}

function recordingLogger(lines: string[]): Logger {
  return {
    error: (message: string) => lines.push(`error ${message}`),
    log: (message: string) => lines.push(`log ${message}`),
  } as unknown as Logger;
}

/** Lets the probes the timers started finish their awaits. */
async function tick(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

describe('ClusterWatch', () => {
  let cluster: FakeCluster;
  let lines: string[];
  let backs: number;
  let watch: ClusterWatch;

  beforeEach(() => {
    jest.useFakeTimers();
    cluster = new FakeCluster();
    lines = [];
    backs = 0;
    watch = new ClusterWatch(
      cluster as unknown as Cluster,
      'subscriber',
      recordingLogger(lines),
      () => backs++,
    );
  });

  afterEach(() => {
    watch.stop();
    jest.useRealTimers();
  });

  test('a failure is logged once, then probed until the cluster answers, and said back once', async () => {
    watch.failed(new Error('connection lost'));
    watch.failed(new Error('again'));
    expect(lines).toEqual([
      'error Redis Cluster failed for the subscriber: connection lost; reconnecting',
    ]);
    await tick(1_000);
    expect(cluster.pings).toBeGreaterThanOrEqual(3);
    expect(backs).toBe(0);
    cluster.answering = true;
    await tick(250);
    expect(backs).toBe(1);
    expect(lines.at(-1)).toBe('log Redis Cluster back for the subscriber');
    const pings = cluster.pings;
    await tick(1_000);
    expect(cluster.pings).toBe(pings);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('a cluster that is not ready is not pinged', async () => {
    cluster.status = 'connecting';
    cluster.answering = true;
    watch.failed(undefined);
    expect(lines[0]).toContain('no answer');
    await tick(1_000);
    expect(cluster.pings).toBe(0);
    cluster.status = 'ready';
    await tick(250);
    expect(backs).toBe(1);
  });

  test('a node is watched on its own: back when it answers, while the others stay down', async () => {
    cluster.nodeAnswers.set('10.0.0.1:7000', false);
    cluster.nodeAnswers.set('10.0.0.2:7000', false);
    watch.failed(new Error('reset'), '10.0.0.1:7000');
    watch.failed(new Error('reset'), '10.0.0.2:7000');
    expect(lines).toEqual([
      'error Redis Cluster node 10.0.0.1:7000 failed for the subscriber: reset; reconnecting',
      'error Redis Cluster node 10.0.0.2:7000 failed for the subscriber: reset; reconnecting',
    ]);
    cluster.nodeAnswers.set('10.0.0.1:7000', true);
    await tick(250);
    expect(backs).toBe(1);
    expect(lines.at(-1)).toBe('log Redis Cluster node 10.0.0.1:7000 back for the subscriber');
    expect(jest.getTimerCount()).toBe(1);
    cluster.nodeAnswers.set('10.0.0.2:7000', true);
    await tick(250);
    expect(backs).toBe(2);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('a node that left the cluster is not taken for back', async () => {
    watch.failed(new Error('gone'), '10.0.0.9:7000');
    await tick(1_000);
    expect(backs).toBe(0);
  });

  test('stop ends the probing and forgets what was down', async () => {
    watch.failed(new Error('x'));
    watch.stop();
    await tick(1_000);
    expect(cluster.pings).toBe(0);
    watch.failed(new Error('y'));
    expect(lines).toHaveLength(2);
  });

  test('a throwing back callback escapes nowhere, and every node is still said back', async () => {
    watch.stop();
    watch = new ClusterWatch(
      cluster as unknown as Cluster,
      'subscriber',
      recordingLogger(lines),
      () => {
        backs++;
        throw new Error('broker failed');
      },
    );
    cluster.nodeAnswers.set('10.0.0.1:7000', false);
    cluster.nodeAnswers.set('10.0.0.2:7000', false);
    watch.failed(new Error('reset'), '10.0.0.1:7000');
    watch.failed(new Error('reset'), '10.0.0.2:7000');
    cluster.nodeAnswers.set('10.0.0.1:7000', true);
    cluster.nodeAnswers.set('10.0.0.2:7000', true);
    await tick(1_000);
    expect(backs).toBe(2);
    expect(lines.filter((line) => line.startsWith('log '))).toHaveLength(2);
    expect(jest.getTimerCount()).toBe(0);
  });
});
