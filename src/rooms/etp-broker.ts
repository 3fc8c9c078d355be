import type { AckSink } from './ack-collector.js';
import type { EtpLocalRooms } from './local-rooms.js';

/**
 * Whom an operation is for: the members of any of `rooms` (every connection when `undefined`),
 * but not those of any room in `except`. A socket id names a room of one.
 */
export interface EtpBroadcastTarget {
  /** Rooms or socket ids whose members are reached; `undefined`: every connection. */
  readonly rooms: readonly string[] | undefined;
  /** Rooms or socket ids whose members are left out. */
  readonly except: readonly string[];
}

/** A connection as any instance describes it: its id and rooms. */
export interface EtpSocketDescription {
  /** The connection's id (32 hex characters). */
  readonly id: string;
  /** The rooms it is in, on the instance that holds it. */
  readonly rooms: readonly string[];
}

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
  keepHistory?(options: EtpRecoveryOptions): void;
  publishKept?(room: string, target: EtpBroadcastTarget, event: string, data: unknown): void;
  history?(room: string, since: EtpPosition | undefined): Promise<EtpHistorySlice | undefined>;
  listening?(room: string): Promise<void>;
}

// TEMPORARY: replaced at merge by the history branch's seam.
export interface EtpPosition {
  readonly epoch: string;
  readonly offset: number;
}
export interface EtpRecoveryOptions {
  readonly maxDisconnection: number;
  readonly maxMessages: number;
}
export interface EtpKeptBroadcast {
  readonly room: string;
  readonly offset: number;
  readonly target: EtpBroadcastTarget;
  readonly event: string;
  readonly data: unknown;
}
export interface EtpHistorySlice {
  readonly position: EtpPosition;
  readonly kept: readonly EtpKeptBroadcast[];
}
