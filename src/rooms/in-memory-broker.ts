import { copyTarget } from './room-copies.js';
import type {
  EtpBroadcastTarget,
  EtpBroker,
  EtpHistorySlice,
  EtpPosition,
  EtpRecoveryOptions,
  EtpSocketDescription,
} from './etp-broker.js';
import type { EtpLocalRooms } from './local-rooms.js';
import { RoomHistories } from './room-history.js';
import { checkRecoveryOptions } from './recovery-options.js';

const NONE: Promise<EtpSocketDescription[]> = Promise.resolve([]);
const DONE: Promise<void> = Promise.resolve();

/**
 * The default broker: one process, so there is no other instance and every method does
 * nothing. The rooms service does each operation on this instance itself; a broadcast costs
 * one empty call more than writing to the members. With recovery it keeps each room's
 * broadcasts in this process's memory (room-history.ts): a restart of the process starts every
 * room's history again, with a new epoch.
 */
export class EtpInMemoryBroker implements EtpBroker {
  private local!: EtpLocalRooms;
  private options: EtpRecoveryOptions | undefined;
  private histories: RoomHistories | undefined;

  attach(local: EtpLocalRooms): void {
    this.local = local;
  }

  async init(): Promise<void> {
    const options = this.options;
    if (options === undefined) return;
    const registry = this.local.registry;
    const histories = new RoomHistories(options, (room) => registry.has(room));
    this.histories = histories;
    registry.observeRooms({ appeared: () => undefined, gone: (name) => histories.left(name) });
  }

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

  keepHistory(options: EtpRecoveryOptions): void {
    this.options = checkRecoveryOptions(options);
  }

  /** Keeps the copy and writes it to this instance's members of the room before returning. */
  publishKept(room: string, target: EtpBroadcastTarget, event: string, data: unknown): void {
    const copy = copyTarget(target, room);
    if (this.histories === undefined || copy === undefined) return;
    const { kept, position } = this.histories.append(room, { target: copy, event, data });
    this.local.deliverKept(kept, position);
  }

  history(room: string, since: EtpPosition | undefined): Promise<EtpHistorySlice | undefined> {
    return Promise.resolve(this.histories?.slice(room, since));
  }

  /** One process: a room's broadcasts reach it from the start. */
  listening(_room: string): Promise<void> {
    return DONE;
  }
}
