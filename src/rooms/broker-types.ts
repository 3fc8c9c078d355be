// What an `EtpBroker` takes and gives: the values the rooms layer and its brokers speak in.

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
