import { MAX_PEERS } from './limits.js';

/**
 * The other instances of the application, known by their heartbeats. An instance that has not
 * been heard of for `timeout` ms is dead; the sweep runs every heartbeat, so a dead instance
 * stops counting within `timeout + interval` ms of its last heartbeat. At most `max` are
 * tracked, so that made-up instances cannot grow the table nor the wait of every request.
 */
export class Peers {
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly timeout: number,
    private readonly onGone: (instance: string) => void,
    private readonly max = MAX_PEERS,
  ) {}

  /** Whether the instance is new to the table; `undefined` when the table is full. */
  seen(instance: string): boolean | undefined {
    const isNew = !this.lastSeen.has(instance);
    if (isNew && this.lastSeen.size >= this.max) return undefined;
    this.lastSeen.set(instance, Date.now());
    return isNew;
  }

  forget(instance: string): void {
    if (this.lastSeen.delete(instance)) this.onGone(instance);
  }

  sweep(): void {
    const deadline = Date.now() - this.timeout;
    for (const [instance, at] of this.lastSeen) {
      if (at < deadline) this.forget(instance);
    }
  }

  /**
   * Counts every instance as heard of now: after this instance itself was cut off from the
   * others, their silence says nothing about them.
   */
  refresh(): void {
    const now = Date.now();
    for (const instance of this.lastSeen.keys()) this.lastSeen.set(instance, now);
  }

  /** The instances alive now. */
  alive(): string[] {
    return [...this.lastSeen.keys()];
  }

  get size(): number {
    return this.lastSeen.size;
  }
}
