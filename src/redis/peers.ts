/**
 * The other instances of the application, known by their heartbeats. An instance that has not
 * been heard of for `timeout` ms is dead; the sweep runs every heartbeat, so a dead instance
 * stops counting within `timeout + interval` ms of its last heartbeat.
 */
export class Peers {
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly timeout: number,
    private readonly onGone: (instance: string) => void,
  ) {}

  /** Whether the instance was not known yet. */
  seen(instance: string): boolean {
    const isNew = !this.lastSeen.has(instance);
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

  /** The instances alive now. */
  alive(): string[] {
    return [...this.lastSeen.keys()];
  }

  get size(): number {
    return this.lastSeen.size;
  }
}
