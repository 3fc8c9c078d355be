import { AckCollector } from './ack-collector.js';
import type { EtpBroadcastTarget, EtpBroker, EtpSocketDescription } from './etp-broker.js';
import type { EtpLocalRooms } from './local-rooms.js';

/**
 * The default broker: one process, so every operation is this process's part alone. Broadcasts
 * run synchronously, as a direct call; the asynchronous operations resolve at once.
 */
export class EtpInMemoryBroker implements EtpBroker {
  private local!: EtpLocalRooms;

  attach(local: EtpLocalRooms): void {
    this.local = local;
  }

  async init(): Promise<void> {}

  emit(target: EtpBroadcastTarget, event: string, data: unknown): number {
    return this.local.emit(target, event, data);
  }

  emitWithAck(
    target: EtpBroadcastTarget,
    event: string,
    data: unknown,
    timeout: number,
  ): Promise<unknown[]> {
    const collector = new AckCollector(event, timeout);
    collector.expect(this.local.requestAcks(target, event, data, timeout, collector));
    collector.check();
    return collector.promise;
  }

  async fetchSockets(target: EtpBroadcastTarget): Promise<EtpSocketDescription[]> {
    return this.local.describe(target);
  }

  async socketsJoin(target: EtpBroadcastTarget, rooms: readonly string[]): Promise<void> {
    this.local.join(target, rooms);
  }

  async socketsLeave(target: EtpBroadcastTarget, rooms: readonly string[]): Promise<void> {
    this.local.leave(target, rooms);
  }

  async disconnectSockets(
    target: EtpBroadcastTarget,
    code: number,
    reason?: string,
  ): Promise<void> {
    this.local.disconnect(target, code, reason);
  }

  async close(): Promise<void> {}
}
