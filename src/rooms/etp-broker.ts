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

/** Where a room's history stands: its epoch, and the offset of a broadcast in it (0: none yet). */
export interface EtpPosition {
  /** Made when the room's history starts; a new one after that history was lost. */
  readonly epoch: string;
  /** 1, 2, 3 … per room, in publish order, the same on every instance. */
  readonly offset: number;
}

/** How much of each room's kept broadcasts a broker keeps for connections that come back. */
export interface EtpRecoveryOptions {
  /** None is kept longer than this, ms: a connection away longer is not recovered. */
  readonly maxDisconnection: number;
  /** At most this many per room: a connection that missed more is not recovered. */
  readonly maxMessages: number;
}

/** A kept broadcast as history returns it: the copy published on one room. */
export interface EtpKeptBroadcast {
  /** The room whose history keeps this copy. */
  readonly room: string;
  /** Its place in that history: 1 for the first broadcast of an epoch, then one more each. */
  readonly offset: number;
  /** rooms: [room]; except: the broadcast's except + the rooms before `room` in its target. */
  readonly target: EtpBroadcastTarget;
  /** The event name, as given to `emit`. */
  readonly event: string;
  /** The data, as given to `emit` (as decoded from the wire on another instance). */
  readonly data: unknown;
}

/**
 * What history holds after a position: `undefined` when it cannot say (epoch changed, trimmed
 * past it, history unreachable).
 */
export interface EtpHistorySlice {
  /** The position of the last of `kept`, or the room's current position when `kept` is empty. */
  readonly position: EtpPosition;
  /** Oldest first, with consecutive offsets. */
  readonly kept: readonly EtpKeptBroadcast[];
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
