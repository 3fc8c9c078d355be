import { EtpAckTimeoutError, EtpConnectionClosedError } from './errors.js';
import { AckIdSequence } from './ack.js';

/** Options of one `emitWithAck` call. */
export interface EmitWithAckOptions {
  /** Milliseconds to wait for the answer; 0 waits for ever. Default 30 000. */
  timeout?: number;
  /** Aborting it rejects the request with the signal's reason. */
  signal?: AbortSignal;
}

/** How long `emitWithAck` waits for an answer by default, in ms. */
export const DEFAULT_ACK_TIMEOUT = 30_000;

interface Pending {
  readonly event: string;
  readonly resolve: (data: Uint8Array | null) => void;
  readonly reject: (error: unknown) => void;
  readonly cleanup: () => void;
}

/**
 * The requests one connection is waiting on, by ack id. Every way out — answer, timeout, abort,
 * connection loss — removes the entry and its timer, so nothing outlives the request.
 */
export class PendingAcks {
  private readonly ids = new AckIdSequence();
  private readonly pending = new Map<number, Pending>();

  get size(): number {
    return this.pending.size;
  }

  /** Registers a request; `send` gets its id and writes the frame. */
  request(
    event: string,
    options: EmitWithAckOptions | undefined,
    send: (ackId: number) => void,
  ): Promise<Uint8Array | null> {
    const signal = options?.signal;
    if (signal?.aborted) {
      return Promise.reject(signal.reason);
    }
    const timeout = options?.timeout ?? DEFAULT_ACK_TIMEOUT;
    let id = this.ids.next();
    while (this.pending.has(id)) id = this.ids.next();

    return new Promise<Uint8Array | null>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => {
        this.take(id);
        reject(signal!.reason);
      };
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, { event, resolve, reject, cleanup });
      if (timeout > 0) {
        timer = setTimeout(() => {
          this.take(id);
          reject(new EtpAckTimeoutError(event, timeout));
        }, timeout);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        send(id);
      } catch (error) {
        this.take(id);
        reject(error);
      }
    });
  }

  /** Settles the request with this id; an answer that matches nothing is dropped. */
  settle(ackId: number, data: Uint8Array | null): boolean {
    const entry = this.take(ackId);
    if (entry === undefined) return false;
    entry.resolve(data);
    return true;
  }

  /** The connection went: every waiting request fails at once. */
  rejectAll(reason: string): void {
    if (this.pending.size === 0) return;
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) {
      entry.cleanup();
      entry.reject(new EtpConnectionClosedError(entry.event, reason));
    }
  }

  private take(ackId: number): Pending | undefined {
    const entry = this.pending.get(ackId);
    if (entry === undefined) return undefined;
    this.pending.delete(ackId);
    entry.cleanup();
    return entry;
  }
}
