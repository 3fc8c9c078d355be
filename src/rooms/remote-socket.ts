import type { EtpSocketDescription } from './broker-types.js';

/** What a fetched socket acts through: the broadcast operator of its id. */
export interface SocketOperations {
  emit(event: string, data?: unknown): unknown;
  socketsJoin(...rooms: string[]): Promise<void>;
  socketsLeave(...rooms: string[]): Promise<void>;
  disconnectSockets(code?: number, reason?: string): Promise<void>;
}

/**
 * A connection as `fetchSockets()` returns it, whichever instance holds it: its id and rooms at
 * the time of the call, and what can be done to it from here. What it does goes through the
 * broadcast operator of its id, so it is checked as `rooms.to(id)` would check it.
 */
export class EtpRemoteSocket {
  /** The connection's id. */
  readonly id: string;
  /** The rooms it was in when fetched. */
  readonly rooms: ReadonlySet<string>;

  /** @internal */
  constructor(
    private readonly operator: SocketOperations,
    description: EtpSocketDescription,
  ) {
    this.id = description.id;
    this.rooms = new Set(description.rooms);
  }

  /** Sends it an event, through the broker when it is on another instance. */
  emit(event: string, data?: unknown): void {
    this.operator.emit(event, data);
  }

  /** Makes it join rooms, on whichever instance holds it. */
  join(...rooms: string[]): Promise<void> {
    return this.operator.socketsJoin(...rooms);
  }

  /** Makes it leave rooms, on whichever instance holds it. */
  leave(...rooms: string[]): Promise<void> {
    return this.operator.socketsLeave(...rooms);
  }

  /** Closes the connection (1000 by default). */
  disconnect(code = 1000, reason?: string): Promise<void> {
    return this.operator.disconnectSockets(code, reason);
  }
}
