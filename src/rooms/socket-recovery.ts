import type { EtpHistorySlice, EtpKeptBroadcast, EtpPosition } from './broker-types.js';

/** A live kept broadcast that reached a socket while its catch-up of that room was running. */
export interface HeldBroadcast {
  readonly kept: EtpKeptBroadcast;
  readonly position: EtpPosition;
}

/** Where a socket's catch-up of one room starts. */
export interface CatchUpStart {
  /** The position the client presented for the room, if it did. */
  readonly presented: EtpPosition | undefined;
  /** What was read for it before the upgrade, oldest first (empty without a presented position). */
  readonly prefetched: readonly EtpKeptBroadcast[];
  /** Where history is read from now: the end of the prefetched slice, or the presented position. */
  readonly since: EtpPosition | undefined;
}

/**
 * The recovery state of one connection whose client asked for the extension: what it presented
 * at the handshake, what was read for it before the upgrade, and the rooms whose catch-up is
 * running, with the live broadcasts held back for them meanwhile (each catch-up holds at most
 * `maxHeld`: past that, the catch-up fails rather than the instance holding without bound).
 */
export class SocketRecovery {
  private held: Map<string, HeldBroadcast[]> | undefined;
  private overflowed: Set<string> | undefined;

  constructor(
    /** Every room the client presented was still recoverable at the handshake. */
    readonly recovered: boolean,
    /** The id the client had on its previous connection: what excluded it then excludes it now. */
    readonly previousId: string | undefined,
    private readonly presented: Map<string, EtpPosition>,
    private readonly slices: Map<string, EtpHistorySlice>,
    private readonly maxHeld: number,
  ) {}

  /** Takes (once) where the catch-up of `room` starts; later joins of the room start afresh. */
  start(room: string): CatchUpStart {
    const presented = this.presented.get(room);
    const slice = this.slices.get(room);
    this.presented.delete(room);
    this.slices.delete(room);
    return {
      presented,
      prefetched: slice?.kept ?? [],
      // A room whose history could not be read at the handshake starts over from now: its
      // client was told `recovered: false`, and a position it cannot be caught up from is no
      // use to it (reading from it again would only fail again).
      since: slice?.position ?? (this.recovered ? presented : undefined),
    };
  }

  /** Whether live broadcasts of `room` are held back for this socket now. */
  isHolding(room: string): boolean {
    return this.held?.has(room) === true;
  }

  startHolding(room: string): void {
    (this.held ??= new Map()).set(room, []);
  }

  /** Holds one live broadcast back; one past the bound marks the catch-up as failed. */
  hold(held: HeldBroadcast): void {
    const list = this.held?.get(held.kept.room);
    if (list === undefined) return;
    if (list.length < this.maxHeld) list.push(held);
    else (this.overflowed ??= new Set()).add(held.kept.room);
  }

  /** Ends the holding of `room`; `undefined` when more came than could be held. */
  stopHolding(room: string): HeldBroadcast[] | undefined {
    const list = this.held?.get(room) ?? [];
    this.held?.delete(room);
    if (this.overflowed?.delete(room) === true) return undefined;
    return list;
  }

  /** Drops all that is kept for the connection, once it ends. */
  clear(): void {
    this.presented.clear();
    this.slices.clear();
    this.held = undefined;
    this.overflowed = undefined;
  }
}
