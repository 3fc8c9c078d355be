/**
 * The pings of one connection waiting for a pong. A pong answers every ping sent before it, as
 * pongs carry nothing to match them by.
 */
export class PendingPings {
  private waiters: Array<() => void> = [];

  /** Pings with `send`; resolves on the next pong, rejects after `timeout` ms (0: never). */
  wait(timeout: number, send: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
      if (timeout > 0) {
        timer = setTimeout(() => {
          const at = this.waiters.indexOf(done);
          if (at !== -1) this.waiters.splice(at, 1);
          reject(new Error(`No pong within ${timeout} ms`));
        }, timeout);
      }
      send();
    });
  }

  /** A pong came: every waiting ping is answered. */
  settle(): void {
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    this.waiters = [];
    for (const done of waiters) done();
  }

  /** The connection ended: no pong will come; each waiting ping still fails at its timeout. */
  clear(): void {
    this.waiters = [];
  }
}
