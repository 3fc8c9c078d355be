import type { ConnectionObserver } from '../server/etp-server.js';
import type { EtpSocket } from '../server/etp-socket.js';

/**
 * Every open connection and the named sets of them. A room exists while it has a member: the
 * last socket to leave, or to disconnect, removes it.
 */
export class RoomRegistry implements ConnectionObserver {
  private readonly sockets = new Map<string, EtpSocket>();
  private readonly rooms = new Map<string, Set<EtpSocket>>();

  connected(socket: EtpSocket): void {
    this.sockets.set(socket.id, socket);
  }

  disconnected(socket: EtpSocket): void {
    this.sockets.delete(socket.id);
    this.leaveAll(socket);
  }

  join(socket: EtpSocket, rooms: readonly string[]): void {
    if (!this.sockets.has(socket.id)) {
      // A socket of an adapter that could not reach this registry: track it from here on.
      if (!socket.connected) return;
      this.connected(socket);
      socket.onClose(() => this.disconnected(socket));
    }
    const own = (socket.roomSet ??= new Set());
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
    const own = socket.roomSet;
    if (own === undefined) return;
    for (const room of rooms) {
      own.delete(room);
      this.removeMember(room, socket);
    }
  }

  leaveAll(socket: EtpSocket): void {
    const own = socket.roomSet;
    if (own === undefined) return;
    socket.roomSet = undefined;
    for (const room of own) this.removeMember(room, socket);
  }

  clear(rooms: readonly string[]): void {
    for (const room of rooms) {
      const members = this.rooms.get(room);
      if (members === undefined) continue;
      this.rooms.delete(room);
      for (const socket of members) socket.roomSet?.delete(room);
    }
  }

  roomNames(): string[] {
    return [...this.rooms.keys()];
  }

  members(room: string): ReadonlySet<EtpSocket> | undefined {
    return this.rooms.get(room);
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
