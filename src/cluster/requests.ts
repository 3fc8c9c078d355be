import type { AckSink } from '../rooms/ack-collector.js';
import { Reply, type ReplyMessage } from './messages.js';

/** A request this instance sent to the others, waiting for their replies. */
export interface PendingRequest {
  reply(message: ReplyMessage): void;
  /** An instance died or left: it no longer counts. */
  peerGone(instance: string): void;
  /** The broker is closing. */
  abort(error: Error): void;
}

/**
 * One reply from each instance alive when the request was sent: `fetchSockets`, `socketsJoin`,
 * `socketsLeave`, `disconnectSockets`. Rejects when some are still missing after `timeout` ms.
 */
export class GatherRequest<T> implements PendingRequest {
  readonly promise: Promise<T[]>;
  private readonly values: T[] = [];
  private resolve!: (values: T[]) => void;
  private reject!: (error: Error) => void;
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(
    private readonly what: string,
    private readonly waiting: Set<string>,
    timeout: number,
    private readonly finished: () => void,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.timer = setTimeout(
      () =>
        this.abort(
          new Error(
            `${what}: ${this.waiting.size} other instance(s) did not answer within ${timeout} ms`,
          ),
        ),
      timeout,
    );
  }

  /** Call once it is tracked: with nobody to wait for, it completes at once. */
  start(): Promise<T[]> {
    this.check();
    return this.promise;
  }

  reply(message: ReplyMessage): void {
    if (!this.waiting.has(message.from)) return;
    if (message.kind === Reply.Refused) {
      this.abort(
        new Error(`${this.what}: instance ${message.from} refused it: ${String(message.value)}`),
      );
      return;
    }
    this.waiting.delete(message.from);
    if (message.kind === Reply.Sockets) this.values.push(...(message.value as T[]));
    this.check();
  }

  peerGone(instance: string): void {
    if (this.waiting.delete(instance)) this.check();
  }

  abort(error: Error): void {
    clearTimeout(this.timer);
    this.finished();
    this.reject(error);
  }

  private check(): void {
    if (this.waiting.size > 0) return;
    clearTimeout(this.timer);
    this.finished();
    this.resolve(this.values);
  }
}

/**
 * A broadcast `emitWithAck` across instances: each instance first says how many of its members
 * it asked, then sends each answer as it comes; the collector completes once every count and
 * every answer came. An instance that dies counts for what it had sent.
 */
export class AckRequest implements PendingRequest {
  /** Per instance: how many answers are still due, or `undefined` before its count came. */
  private readonly due = new Map<string, number | undefined>();

  constructor(
    private readonly collector: AckSink,
    instances: readonly string[],
  ) {
    for (const instance of instances) {
      this.due.set(instance, undefined);
      collector.hold();
    }
  }

  reply(message: ReplyMessage): void {
    if (!this.due.has(message.from)) return;
    const due = this.due.get(message.from);
    switch (message.kind) {
      case Reply.Count:
        if (due !== undefined) return;
        this.due.set(message.from, message.value as number);
        this.collector.unhold(message.value as number);
        return;
      case Reply.Refused:
        if (due !== undefined) return;
        this.due.set(message.from, 0);
        this.collector.unhold(0);
        return;
      case Reply.Answer:
        // No more answers than the instance said it asked for.
        if (due === undefined || due <= 0) return;
        this.settled(message.from, due);
        this.collector.answer(message.value);
        return;
      case Reply.Missed:
        this.settled(message.from, due);
        this.collector.miss();
        return;
      case Reply.Gone:
        this.settled(message.from, due);
        this.collector.gone();
        return;
    }
  }

  peerGone(instance: string): void {
    if (!this.due.has(instance)) return;
    const due = this.due.get(instance);
    this.due.delete(instance);
    if (due === undefined) this.collector.unhold(0);
    else this.collector.gone(due);
  }

  abort(error: Error): void {
    this.collector.abort(error);
  }

  private settled(instance: string, due: number | undefined): void {
    if (due !== undefined) this.due.set(instance, due - 1);
  }
}
