interface Waiter<T> {
  readonly match: (frame: T) => boolean;
  readonly resolve: (frame: T) => void;
}

/**
 * Frames received by a bare client or server, in order: a test claims the next one that matches,
 * whether it came already or comes later; what nobody claimed stays in `unclaimed`.
 */
export class FrameQueue<T> {
  readonly unclaimed: T[] = [];
  private waiters: Array<Waiter<T>> = [];

  push(frame: T): void {
    const waiter = this.waiters.find((one) => one.match(frame));
    if (waiter === undefined) {
      this.unclaimed.push(frame);
      return;
    }
    this.waiters = this.waiters.filter((one) => one !== waiter);
    waiter.resolve(frame);
  }

  /** The first unclaimed frame that matches, or the next one to arrive; fails after `timeoutMs`. */
  next(match: (frame: T) => boolean, timeoutMs: number, describe: () => string): Promise<T> {
    const at = this.unclaimed.findIndex(match);
    if (at !== -1) return Promise.resolve(this.unclaimed.splice(at, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter: Waiter<T> = {
        match,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((one) => one !== waiter);
        reject(new Error(describe()));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}
