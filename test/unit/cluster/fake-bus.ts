import type { ClusterTransport, TransportHandlers } from '../../../src/cluster/transport.js';

/**
 * A message bus in memory, as Redis pub/sub behaves for the broker: a message goes to every
 * transport listening on its channel, its publisher too, on a later turn of the event loop and
 * in publish order; a publish resolves with how many listeners it reached. `publish` can also
 * hand bytes to the listeners of a channel as if some other process had published them.
 */
export class MemoryBus {
  readonly transports: MemoryTransport[] = [];
  /** Every message published, in order, with its channel. */
  readonly log: Array<{ channel: string; bytes: Buffer }> = [];

  /** A transport for a broker, as a `TransportFactory` makes it. */
  transport(handlers: TransportHandlers, countsListeners = false): MemoryTransport {
    const transport = new MemoryTransport(this, handlers, countsListeners);
    this.transports.push(transport);
    return transport;
  }

  /** Hands `bytes` to the listeners of `channel`; how many listen on it. */
  publish(channel: string, bytes: Buffer): number {
    this.log.push({ channel, bytes });
    const listeners = this.transports.filter((one) => one.listensOn(channel));
    setImmediate(() => {
      for (const listener of listeners) listener.handlers.onMessage(channel, bytes);
    });
    return listeners.length;
  }

  /** Resolves once every message published so far, and those they caused, were handed over. */
  async settle(turns = 10): Promise<void> {
    for (let turn = 0; turn < turns; turn++) await new Promise((done) => setImmediate(done));
  }
}

export class MemoryTransport implements ClusterTransport {
  private readonly channels = new Set<string>();
  /** Set by the test: the bus is down for this transport, with this reason. */
  down: string | undefined;
  closed = false;

  constructor(
    private readonly bus: MemoryBus,
    readonly handlers: TransportHandlers,
    readonly countsListeners: boolean,
  ) {}

  listensOn(channel: string): boolean {
    return !this.closed && this.channels.has(channel);
  }

  get listening(): readonly string[] {
    return [...this.channels];
  }

  get connected(): boolean {
    return this.down === undefined && !this.closed;
  }

  get unavailable(): string | undefined {
    return this.closed ? 'closed' : this.down;
  }

  async open(channels: readonly string[]): Promise<void> {
    await this.listen(channels);
    this.handlers.onReady();
  }

  async listen(channels: readonly string[]): Promise<void> {
    for (const channel of channels) this.channels.add(channel);
  }

  async unlisten(channels: readonly string[]): Promise<void> {
    for (const channel of channels) this.channels.delete(channel);
  }

  publish(channel: string, bytes: Buffer, failed: (why: string) => void): void {
    if (this.unavailable !== undefined) return failed(this.unavailable);
    this.bus.publish(channel, bytes);
  }

  publishOrFail(channel: string, bytes: Buffer): Error | Promise<number | undefined> {
    if (this.unavailable !== undefined) return new Error(this.unavailable);
    return Promise.resolve(this.bus.publish(channel, bytes));
  }

  publishQuietly(channel: string, bytes: Buffer): void {
    if (this.unavailable === undefined) this.bus.publish(channel, bytes);
  }

  async close(goodbye: Buffer, channel: string): Promise<void> {
    this.publishQuietly(channel, goodbye);
    this.closed = true;
  }
}
