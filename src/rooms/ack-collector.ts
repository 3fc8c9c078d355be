import { EtpAckTimeoutError } from '../protocol/errors.js';

/**
 * The answers to one `emitWithAck` sent to many connections. It completes once every expected
 * answer came and no source (an instance that has not yet said how many members it asked) is
 * still held; a member that timed out, or the deadline, rejects it with the answers so far.
 * A member whose connection closed before answering is no longer a member: it is not waited for.
 */
export class AckCollector {
  readonly promise: Promise<unknown[]>;
  private readonly responses: unknown[] = [];
  private expected = 0;
  private settled = 0;
  private missed = 0;
  private held = 0;
  private done = false;
  private resolve!: (responses: unknown[]) => void;
  private reject!: (error: Error) => void;
  private readonly timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly event: string,
    private readonly timeout: number,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (timeout > 0) this.timer = setTimeout(() => this.fail(), timeout);
  }

  /** A source whose count is not known yet. */
  hold(): void {
    this.held++;
  }

  /** That source asked `count` members (0 when it is gone). */
  unhold(count: number): void {
    this.held--;
    this.expected += count;
    this.check();
  }

  expect(count: number): void {
    this.expected += count;
  }

  answer(value: unknown): void {
    if (this.done) return;
    this.responses.push(value);
    this.settled++;
    this.check();
  }

  /** No answer in time. */
  miss(): void {
    this.missed++;
    this.settled++;
    this.check();
  }

  /** The member left before answering; `count` of them. */
  gone(count = 1): void {
    this.expected -= count;
    this.check();
  }

  /** Checks whether everything came; call once every source is known. */
  check(): void {
    if (this.done || this.held > 0 || this.settled < this.expected) return;
    if (this.missed > 0) {
      this.fail();
      return;
    }
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.resolve(this.responses);
  }

  /** Gives up: the answers can no longer all come (the broker is closing). */
  abort(error: Error): void {
    if (this.done) return;
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.reject(error);
  }

  private fail(): void {
    this.abort(new EtpAckTimeoutError(this.event, this.timeout, [...this.responses]));
  }
}

/** What a broker may do with the collector of an `emitWithAck` across instances. */
export type AckSink = Pick<
  AckCollector,
  'hold' | 'unhold' | 'answer' | 'miss' | 'gone' | 'abort' | 'promise'
>;
