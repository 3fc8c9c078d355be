import {
  RECOVERY_LIMITS,
  RECOVERY_NOTHING,
  encodeRecoveryState,
  type RecoveryPosition,
} from '../protocol/recovery.js';

/** Where a client stands in one room's history: the last broadcast of it that it has. */
export interface RoomPosition {
  readonly epoch: string;
  readonly offset: number;
}

/**
 * What a client that speaks the recovery extension remembers between connections: its position
 * in each kept room, and the socket id its last connection had. It is what the next handshake
 * presents, and what tells a broadcast already dispatched from a new one.
 */
export class RecoveryPositions {
  private readonly rooms = new Map<string, RoomPosition>();
  /** Positions were refused for the bound on rooms: what is kept could not all be recovered. */
  private overflowed = false;
  /** The socket id of the last `__etp_hello`. */
  id: string | undefined;

  get size(): number {
    return this.rooms.size;
  }

  get(room: string): RoomPosition | undefined {
    return this.rooms.get(room);
  }

  /**
   * A kept broadcast at `offset` in `room`: `false` when the client has it already (same epoch,
   * not past its position), so it is not dispatched twice; otherwise the position moves to it.
   */
  accept(room: string, epoch: string, offset: number): boolean {
    const kept = this.rooms.get(room);
    if (kept !== undefined && kept.epoch === epoch && offset <= kept.offset) return false;
    this.set(room, { epoch, offset });
    return true;
  }

  /** The server told the position: of the same epoch it only moves forward, another replaces it. */
  advance(room: string, epoch: string, offset: number): void {
    const kept = this.rooms.get(room);
    if (kept !== undefined && kept.epoch === epoch && offset <= kept.offset) return;
    this.set(room, { epoch, offset });
  }

  forget(room: string): void {
    this.rooms.delete(room);
  }

  /** No position any more (the previous id stays: it still names the last connection). */
  startOver(): void {
    this.rooms.clear();
    this.overflowed = false;
  }

  /** Starts afresh: no position, no previous id. */
  clear(): void {
    this.startOver();
    this.id = undefined;
  }

  /**
   * The value of the handshake parameter: `1` with nothing to present, or with more than the
   * server takes (it would say `recovered: false` for it anyway); else the positions and the id.
   */
  handshakeValue(): string {
    if (this.overflowed || this.rooms.size === 0) return RECOVERY_NOTHING;
    const positions: RecoveryPosition[] = [];
    for (const [room, { epoch, offset }] of this.rooms) positions.push([room, epoch, offset]);
    return encodeRecoveryState({ id: this.id, positions });
  }

  private set(room: string, position: RoomPosition): void {
    if (!this.rooms.has(room) && this.rooms.size >= RECOVERY_LIMITS.rooms) {
      // More rooms than a handshake may present: remembering them would cost memory for a
      // state the server refuses. The next handshake says `1` instead.
      this.overflowed = true;
      return;
    }
    this.rooms.set(room, position);
  }
}
