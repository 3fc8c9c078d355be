import type { AckSink } from '../rooms/ack-collector.js';
import { Reply, type ReplyMessage } from './messages.js';

/** A request this instance sent to the others, waiting for their replies. */
export interface PendingRequest {
  reply(message: ReplyMessage): void;
  /** An instance died or left: it no longer counts. */
  peerGone(instance: string): void;
  /** Counted: this instance's own listener got the request (it answers nothing to itself). */
  echoed?(self: string): void;
  /** Counted: the transport took the request to `count` listeners. */
  reached?(count: number): void;
  /** The broker is closing. */
  abort(error: Error): void;
}

/**
 * One reply from each instance asked: `fetchSockets`, `socketsJoin`, `socketsLeave`,
 * `disconnectSockets`. Asked are either the instances alive when the request was sent (`waiting`),
 * or, for a request published on a room's channel, as many as the transport says it reached
 * (`reached`), this instance's own copy of it included when it listens on that room (`echoed`).
 * Rejects when some are still missing after `timeout` ms.
 */
export class GatherRequest<T> implements PendingRequest {
  readonly promise: Promise<T[]>;
  private readonly values: T[] = [];
  private resolve!: (values: T[]) => void;
  private reject!: (error: Error) => void;
  private readonly timer: ReturnType<typeof setTimeout>;
  /** Counted: how many listeners the request reached, once the transport said. */
  private expected: number | undefined;
  private readonly heard = new Set<string>();
  private done = false;

  constructor(
    private readonly what: string,
    /** The instances to hear from; `undefined`: counted, as many as `reached` says. */
    private readonly waiting: Set<string> | undefined,
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
            `${what}: ${this.missing()} other instance(s) did not answer within ${timeout} ms`,
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

  /** Counted: the transport took the request to `count` listeners. */
  reached(count: number): void {
    this.expected = count;
    this.check();
  }

  /** Counted: this instance's own listener got the request (it answers nothing to itself). */
  echoed(self: string): void {
    this.heard.add(self);
    this.check();
  }

  reply(message: ReplyMessage): void {
    const from = message.from;
    if (this.waiting === undefined ? this.heard.has(from) : !this.waiting.has(from)) return;
    if (message.kind === Reply.Refused) {
      this.abort(new Error(`${this.what}: instance ${from} refused it: ${String(message.value)}`));
      return;
    }
    if (this.waiting === undefined) this.heard.add(from);
    else this.waiting.delete(from);
    if (message.kind === Reply.Sockets) this.values.push(...(message.value as T[]));
    this.check();
  }

  peerGone(instance: string): void {
    if (this.waiting?.delete(instance) === true) this.check();
  }

  abort(error: Error): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.finished();
    this.reject(error);
  }

  private missing(): number {
    if (this.waiting !== undefined) return this.waiting.size;
    return this.expected === undefined ? 1 : Math.max(this.expected - this.heard.size, 0);
  }

  private check(): void {
    if (this.done || this.missing() > 0) return;
    this.done = true;
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
  /** Counted: the listeners the transport reached, once it said. */
  private expected: number | undefined;
  /** Counted: whether the collector still waits to know how many listeners there are. */
  private counting: boolean;

  /**
   * `instances`: those to hear from; `undefined`: counted, as many as `reached` says, each
   * taken in as its count comes (the collector is held until all of them came).
   */
  constructor(
    private readonly collector: AckSink,
    instances: readonly string[] | undefined,
  ) {
    this.counting = instances === undefined;
    if (this.counting) collector.hold();
    for (const instance of instances ?? []) {
      this.due.set(instance, undefined);
      collector.hold();
    }
  }

  reached(count: number): void {
    this.expected = count;
    this.settle();
  }

  echoed(self: string): void {
    if (!this.counting || this.due.has(self)) return;
    this.due.set(self, 0);
    this.settle();
  }

  reply(message: ReplyMessage): void {
    const arrival = message.kind === Reply.Count || message.kind === Reply.Refused;
    if (this.counting && arrival && !this.due.has(message.from)) {
      // A listener the transport counted: in, until as many as it reached came.
      this.due.set(message.from, undefined);
      this.collector.hold();
    }
    if (!this.due.has(message.from)) return;
    const due = this.due.get(message.from);
    switch (message.kind) {
      case Reply.Count:
        if (due !== undefined) return;
        this.due.set(message.from, message.value as number);
        this.collector.unhold(message.value as number);
        this.settle();
        return;
      case Reply.Refused:
        if (due !== undefined) return;
        this.due.set(message.from, 0);
        this.collector.unhold(0);
        this.settle();
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

  /**
   * Counted: stops waiting for listeners whose count has not come (one that died before
   * sending it would be waited for until the collector's own timeout, or for ever without one).
   */
  stopCounting(): void {
    if (!this.counting) return;
    this.counting = false;
    this.collector.unhold(0);
  }

  private settle(): void {
    if (this.expected !== undefined && this.due.size >= this.expected) this.stopCounting();
  }

  private settled(instance: string, due: number | undefined): void {
    if (due !== undefined) this.due.set(instance, due - 1);
  }
}
