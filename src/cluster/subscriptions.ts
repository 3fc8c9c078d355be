import type { RoomsObserver } from '../rooms/room-registry.js';
import type { BrokerContext } from './broker-context.js';
import type { Channels } from './channels.js';
import { DropReason } from './envelope.js';
import type { ClusterTransport } from './transport.js';

/** Sends one batch of changes to the transport; rejects when it did not take them. */
export type SubscriptionSender = (listen: string[], unlisten: string[]) => Promise<void>;

/**
 * The subscriptions of a broker to the channels of the rooms and connections of its instance;
 * `dropped` is told of each it no longer listens on.
 */
export function roomSubscriptions(
  context: BrokerContext,
  dropped: (channel: string) => void,
): Subscriptions {
  const { channels, transport, reports } = context;
  return new Subscriptions(
    (name) => context.local().registry.has(name),
    roomListening(channels, transport),
    (name) => dropped(channels.room(name)),
    (error) => reports.dropped(DropReason.Failed, 'subscriptions', (error as Error)?.message),
  );
}

/** Listens on and off the channels of rooms (and connections), by name. */
function roomListening(channels: Channels, transport: ClusterTransport): SubscriptionSender {
  return (listen, unlisten) => {
    const on = listen.map((name) => channels.room(name));
    const off = unlisten.map((name) => channels.room(name));
    return Promise.all([
      on.length > 0 ? transport.listen(on) : undefined,
      off.length > 0 ? transport.unlisten(off) : undefined,
    ]).then(() => undefined);
  };
}

/**
 * Which room channels this instance listens on: those of the rooms and connections it has. The
 * registry says when a name appears or goes here; the changes of one turn of the event loop go
 * out in one batch, and only those that change what is listened on: a room that empties and
 * fills again before the batch leaves costs nothing, and one that does so after sends a
 * subscribe behind the unsubscribe, on the same connection, so the last word is right. A join
 * into a room that already has a member here is never seen at all.
 */
export class Subscriptions implements RoomsObserver {
  private readonly listening = new Set<string>();
  private touched = new Set<string>();
  /** Names sent in a batch the transport has not answered yet, with that answer. */
  private readonly sending = new Map<string, Promise<void>>();
  /** Resolved when the batch being gathered leaves, with what is then on its way. */
  private nextBatch: Deferred | undefined;
  private scheduled = false;
  private stopped = false;

  constructor(
    /** Whether a name reaches someone here. */
    private readonly wanted: (name: string) => boolean,
    private readonly send: SubscriptionSender,
    /** A name no longer listened on. */
    private readonly dropped: (name: string) => void,
    private readonly failed: (error: unknown) => void,
  ) {}

  /** How many names are listened on. */
  get size(): number {
    return this.listening.size;
  }

  appeared(name: string): void {
    this.touch(name);
  }

  gone(name: string): void {
    this.touch(name);
  }

  /**
   * Resolves once what is listened on for `name` is settled: the batch holding it, if any, was
   * taken by the transport (at once when none is on its way). Rejects when the transport refused
   * that batch.
   */
  settled(name: string): Promise<void> {
    if (this.touched.has(name) && !this.stopped) {
      this.nextBatch ??= deferred();
      return this.nextBatch.promise.then((sending) => sending.get(name));
    }
    return this.sending.get(name) ?? Promise.resolve();
  }

  /** Sends the batch now (tests, and at start). */
  flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.nextBatch;
    this.nextBatch = undefined;
    try {
      return this.sendBatch();
    } finally {
      batch?.resolve(new Map(this.sending));
    }
  }

  private sendBatch(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const names = this.touched;
    this.touched = new Set();
    const listen: string[] = [];
    const unlisten: string[] = [];
    for (const name of names) {
      const want = this.wanted(name);
      if (want === this.listening.has(name)) continue;
      if (want) {
        this.listening.add(name);
        listen.push(name);
      } else {
        this.listening.delete(name);
        unlisten.push(name);
        this.dropped(name);
      }
    }
    if (listen.length === 0 && unlisten.length === 0) return Promise.resolve();
    const sent = this.send(listen, unlisten);
    for (const name of listen) this.sending.set(name, sent);
    const done = (): void => {
      for (const name of listen) if (this.sending.get(name) === sent) this.sending.delete(name);
    };
    sent.then(done, done);
    return sent.catch((error: unknown) => {
      // Not known to be listened on: the next batch tries again, after an outage at the latest.
      for (const name of listen) this.listening.delete(name);
      for (const name of unlisten) this.listening.add(name);
      for (const name of [...listen, ...unlisten]) this.touched.add(name);
      this.failed(error);
    });
  }

  /** After an outage: what failed to go out goes again. */
  retry(): void {
    if (this.touched.size > 0) this.schedule();
  }

  stop(): void {
    this.stopped = true;
  }

  private touch(name: string): void {
    this.touched.add(name);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }
}

interface Deferred {
  readonly promise: Promise<ReadonlyMap<string, Promise<void>>>;
  readonly resolve: (sending: ReadonlyMap<string, Promise<void>>) => void;
}

function deferred(): Deferred {
  let resolve!: Deferred['resolve'];
  const promise = new Promise<ReadonlyMap<string, Promise<void>>>((done) => (resolve = done));
  return { promise, resolve };
}
