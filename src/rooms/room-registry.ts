import type { ConnectionObserver } from '../server/etp-server.js';
import type { EtpSocket } from '../server/etp-socket.js';

const NO_ROOMS: ReadonlySet<string> = new Set();

/**
 * This process's connections and the rooms they are in, both ways: room → sockets for the
 * broadcasts, socket id → rooms for `socket.rooms`. A room exists while it has a member: the
 * last socket to leave, or to disconnect, removes it. A socket's id also names a room of one
 * (it is never listed), so one connection is reached by id like a room, wherever it is.
 */
export class RoomRegistry implements ConnectionObserver {
  private readonly sockets = new Map<string, EtpSocket>();
  private readonly rooms = new Map<string, Set<EtpSocket>>();
  private readonly roomsById = new Map<string, Set<string>>();

  connected(socket: EtpSocket): void {
    this.sockets.set(socket.id, socket);
  }

  /** Called after the disconnect hooks ran, so `handleDisconnect` still sees the rooms. */
  disconnected(socket: EtpSocket): void {
    this.sockets.delete(socket.id);
    this.leaveAll(socket);
  }

  roomsOf(socket: EtpSocket): ReadonlySet<string> {
    return this.roomsById.get(socket.id) ?? NO_ROOMS;
  }

  join(socket: EtpSocket, rooms: readonly string[]): void {
    if (this.sockets.get(socket.id) !== socket) {
      // A socket of an adapter that could not reach this registry: track it from here on.
      if (!socket.connected) return;
      this.connected(socket);
      socket.server.observe(this);
      socket.onClose(() => this.disconnected(socket));
    }
    let own = this.roomsById.get(socket.id);
    if (own === undefined) {
      own = new Set();
      this.roomsById.set(socket.id, own);
    }
    for (const room of rooms) {
      let members = this.rooms.get(room);
      if (members === undefined) {
        members = new Set();
        this.rooms.set(room, members);
      }
      members.add(socket);
      own.add(room);
    }
  }

  leave(socket: EtpSocket, rooms: readonly string[]): void {
    const own = this.roomsById.get(socket.id);
    if (own === undefined) return;
    for (const room of rooms) {
      own.delete(room);
      this.removeMember(room, socket);
    }
    if (own.size === 0) this.roomsById.delete(socket.id);
  }

  leaveAll(socket: EtpSocket): void {
    const own = this.roomsById.get(socket.id);
    if (own === undefined) return;
    this.roomsById.delete(socket.id);
    for (const room of own) this.removeMember(room, socket);
  }

  clear(rooms: readonly string[]): void {
    for (const room of rooms) {
      const members = this.rooms.get(room);
      if (members === undefined) continue;
      this.rooms.delete(room);
      for (const socket of members) {
        const own = this.roomsById.get(socket.id);
        own?.delete(room);
        if (own?.size === 0) this.roomsById.delete(socket.id);
      }
    }
  }

  roomNames(): string[] {
    return [...this.rooms.keys()];
  }

  /** The members of a named room, or the socket whose id this is. */
  members(room: string): ReadonlySet<EtpSocket> | undefined {
    const members = this.rooms.get(room);
    if (members !== undefined) return members;
    const socket = this.sockets.get(room);
    return socket === undefined ? undefined : new Set([socket]);
  }

  /** The members of a named room only. */
  roomSize(room: string): number {
    return this.rooms.get(room)?.size ?? 0;
  }

  get(id: string): EtpSocket | undefined {
    return this.sockets.get(id);
  }

  all(): IterableIterator<EtpSocket> {
    return this.sockets.values();
  }

  get socketCount(): number {
    return this.sockets.size;
  }

  private removeMember(room: string, socket: EtpSocket): void {
    const members = this.rooms.get(room);
    if (members === undefined) return;
    members.delete(socket);
    if (members.size === 0) this.rooms.delete(room);
  }
}
