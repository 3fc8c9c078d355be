import type { AckSink } from './ack-collector.js';
import type {
  EtpBroadcastTarget,
  EtpHistorySlice,
  EtpPosition,
  EtpRecoveryOptions,
  EtpSocketDescription,
} from './broker-types.js';
import type { EtpLocalRooms } from './local-rooms.js';

export type {
  EtpBroadcastTarget,
  EtpHistorySlice,
  EtpKeptBroadcast,
  EtpPosition,
  EtpRecoveryOptions,
  EtpSocketDescription,
} from './broker-types.js';

/**
 * What `EtpRoomsService` hands the other instances. The rooms service does this instance's part
 * of every operation itself (its local members are written, asked, listed, joined … directly),
 * then hands the broker the same operation for the other instances' part alone. The default
 * broker has no other instance: each method does nothing. `EtpRedisBroker`
 * (`nestjs-etp/redis`) carries them to every other instance of the application, and there,
 * through the `EtpLocalRooms` it was attached to, does the part other instances ask of this one.
 */
export interface EtpBroker {
  /**
   * Called once, by the rooms service that owns the broker, before anything else: `local` is
   * this instance's rooms, for what other instances ask of it (never for this instance's own
   * part of an operation, which the rooms service did already).
   */
  attach(local: EtpLocalRooms): void;
  /** Runs while the application initialises; it boots once this resolves. */
  init(): Promise<void>;
  /** Sends an event to the target's members on the other instances; returns at once. */
  publish(target: EtpBroadcastTarget, event: string, data: unknown): void;
  /**
   * Asks the target's members on the other instances for an answer, into `collector`: it
   * `hold()`s once for each instance it waits for and `unhold(count)`s when that instance says
   * how many it asked, then hands over each answer, miss and gone member. Throws when the other
   * instances cannot be reached now; the rooms service then rejects the `emitWithAck`.
   */
  requestAcks(
    target: EtpBroadcastTarget,
    event: string,
    data: unknown,
    timeout: number,
    collector: AckSink,
  ): void;
  /** The target's members on the other instances. */
  fetchRemoteSockets(target: EtpBroadcastTarget): Promise<EtpSocketDescription[]>;
  /** Puts the target's members on the other instances into rooms. */
  joinRemote(target: EtpBroadcastTarget, rooms: readonly string[]): Promise<void>;
  /** Takes the target's members on the other instances out of rooms. */
  leaveRemote(target: EtpBroadcastTarget, rooms: readonly string[]): Promise<void>;
  /** Closes the connections of the target's members on the other instances. */
  disconnectRemote(target: EtpBroadcastTarget, code: number, reason?: string): Promise<void>;
  /** Runs once at application shutdown: releases what the broker opened. */
  close(): Promise<void>;
  /**
   * Whether the broker reaches its backend right now; while it does not, other instances miss
   * this one's broadcasts. The health indicator (`nestjs-etp/terminus`) reports it. A broker
   * without it, such as the in-memory one, has no backend to lose and counts as connected.
   */
  isConnected?(): boolean;
  /**
   * Configures recovery before init(); a broker without it cannot keep history (recovery then
   * fails at bootstrap with a clear error).
   */
  keepHistory?(options: EtpRecoveryOptions): void;
  /**
   * Publishes one room's copy of a broadcast to `target` (the whole broadcast's target: the copy
   * for `room` also excludes the rooms before it, so that a member of two gets it once) and keeps
   * it in that room's history. Every instance
   * with members of the room — this one included — gets it through
   * `local.deliverKept(kept, position)` in offset order (the in-memory broker calls it before
   * returning). Never throws for the backend: a copy that cannot be kept is counted lost (as
   * today's broadcasts are) and delivered nowhere.
   */
  publishKept?(room: string, target: EtpBroadcastTarget, event: string, data: unknown): void;
  /**
   * The broadcasts kept for `room` after `since` (at most maxMessages, oldest first), and the
   * position of the last one (or the current position when none). `since` undefined: no
   * entries, just the current position (`{epoch, 0}` for a room with no history yet — the epoch
   * is created then). `undefined` when recovery from `since` is impossible: other epoch, entries
   * after `since` trimmed (by count or age), or the backend unreachable. Never rejects.
   */
  history?(room: string, since: EtpPosition | undefined): Promise<EtpHistorySlice | undefined>;
  /** Resolves once broadcasts to `room` reach this instance (its channel is listened to). */
  listening?(room: string): Promise<void>;
}
