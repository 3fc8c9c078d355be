import type { EtpLocalRooms } from './local-rooms.js';

/**
 * Whom an operation is for: the members of any of `rooms` (every connection when `undefined`),
 * but not those of any room in `except`. A socket id names a room of one.
 */
export interface EtpBroadcastTarget {
  /** The rooms whose members it is for; `undefined`: every connection. */
  readonly rooms: readonly string[] | undefined;
  /** Rooms whose members are left out. */
  readonly except: readonly string[];
}

/** A connection as any instance describes it: its id and rooms. */
export interface EtpSocketDescription {
  /** The connection's id. */
  readonly id: string;
  /** The rooms it is in. */
  readonly rooms: readonly string[];
}

/**
 * What `EtpRoomsService` hands every operation that may concern other instances. The default
 * broker does everything in this process; `EtpRedisBroker` (`nestjs-etp/redis`) also reaches
 * every other instance of the application. Each method does this process's part through the
 * `EtpLocalRooms` it was attached to, and the other instances' part however it likes.
 */
export interface EtpBroker {
  /** Called once, by the rooms service that owns the broker, before anything else. */
  attach(local: EtpLocalRooms): void;
  /** Runs while the application initialises; it boots once this resolves. */
  init(): Promise<void>;
  /** Sends an event to the target, returns at once with how many local connections got it. */
  emit(target: EtpBroadcastTarget, event: string, data: unknown): number;
  /**
   * Sends an event to the target asking each member for an answer; resolves with every answer,
   * or rejects with an `EtpAckTimeoutError` whose `responses` holds those that came in time.
   */
  emitWithAck(
    target: EtpBroadcastTarget,
    event: string,
    data: unknown,
    timeout: number,
  ): Promise<unknown[]>;
  /** Describes the target's members on every instance. */
  fetchSockets(target: EtpBroadcastTarget): Promise<EtpSocketDescription[]>;
  /** Makes the target's members on every instance join `rooms`. */
  socketsJoin(target: EtpBroadcastTarget, rooms: readonly string[]): Promise<void>;
  /** Makes the target's members on every instance leave `rooms`. */
  socketsLeave(target: EtpBroadcastTarget, rooms: readonly string[]): Promise<void>;
  /** Closes the target's connections on every instance with `code` and `reason`. */
  disconnectSockets(target: EtpBroadcastTarget, code: number, reason?: string): Promise<void>;
  /** Runs once at application shutdown: releases what the broker opened. */
  close(): Promise<void>;
  /**
   * Whether the broker reaches its backend right now; while it does not, other instances miss
   * this one's broadcasts. The health indicator (`nestjs-etp/terminus`) reports it. A broker
   * without it, such as the in-memory one, has no backend to lose and counts as connected.
   */
  isConnected?(): boolean;
}
