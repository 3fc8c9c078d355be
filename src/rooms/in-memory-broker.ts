import type { EtpBroadcastTarget, EtpBroker, EtpSocketDescription } from './etp-broker.js';
import type { EtpLocalRooms } from './local-rooms.js';

const NONE: Promise<EtpSocketDescription[]> = Promise.resolve([]);
const DONE: Promise<void> = Promise.resolve();

/**
 * The default broker: one process, so there is no other instance and every method does
 * nothing. The rooms service does each operation on this instance itself; a broadcast costs
 * one empty call more than writing to the members.
 */
export class EtpInMemoryBroker implements EtpBroker {
  attach(_local: EtpLocalRooms): void {}

  async init(): Promise<void> {}

  publish(_target: EtpBroadcastTarget, _event: string, _data: unknown): void {}

  requestAcks(): void {}

  fetchRemoteSockets(_target: EtpBroadcastTarget): Promise<EtpSocketDescription[]> {
    return NONE;
  }

  joinRemote(_target: EtpBroadcastTarget, _rooms: readonly string[]): Promise<void> {
    return DONE;
  }

  leaveRemote(_target: EtpBroadcastTarget, _rooms: readonly string[]): Promise<void> {
    return DONE;
  }

  disconnectRemote(_target: EtpBroadcastTarget, _code: number, _reason?: string): Promise<void> {
    return DONE;
  }

  async close(): Promise<void> {}
}
