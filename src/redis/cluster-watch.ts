import type { Logger } from '@nestjs/common';
import type { Cluster } from 'ioredis';

/** How often a node reported down is tried again, ms. */
const PROBE_INTERVAL = 250;
/** A node's own errors name it; one of the cluster as a whole is filed under this. */
const WHOLE = 'the cluster';

/**
 * The nodes of a Redis Cluster as one of the broker's connections sees them. ioredis keeps a
 * Cluster `ready` while one of its masters is down, and reconnects to it by itself; this says
 * in the log when a node fails (once, however many errors follow) and when it answers again,
 * and then tells the broker, which greets the others again and retries what failed meanwhile.
 */
export class ClusterWatch {
  private readonly down = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private probing = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly role: string,
    private readonly logger: Logger,
    private readonly back: () => void,
  ) {}

  /** A node (`key`, `host:port`), or the cluster as a whole, failed. */
  failed(error: Error | undefined, key: string = WHOLE): void {
    if (this.down.has(key)) return;
    this.down.add(key);
    this.logger.error(
      `${this.name(key)} failed for the ${this.role}: ${error?.message ?? 'no answer'}; reconnecting`,
    );
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.probe(), PROBE_INTERVAL);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.down.clear();
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      for (const key of [...this.down]) {
        if (!(await this.answers(key))) continue;
        this.down.delete(key);
        this.logger.log(`${this.name(key)} back for the ${this.role}`);
        this.back();
      }
      if (this.down.size === 0) this.stop();
    } catch {
      // Tried again at the next probe.
    } finally {
      this.probing = false;
    }
  }

  private name(key: string): string {
    return key === WHOLE ? 'Redis Cluster' : `Redis Cluster node ${key}`;
  }

  private async answers(key: string): Promise<boolean> {
    const node =
      key === WHOLE
        ? this.cluster
        : this.cluster
            .nodes('master')
            .find((one) => `${one.options.host}:${one.options.port}` === key);
    if (node === undefined || this.cluster.status !== 'ready') return false;
    try {
      await node.ping();
      return true;
    } catch {
      return false;
    }
  }
}
