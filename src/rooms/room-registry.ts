import type { EtpPayloadCodec } from '../protocol/codec.js';
import type { IncomingMessage } from 'node:http';
import type { ConnectionAdmission, ConnectionRegistry, EtpServer } from '../server/etp-server.js';
import type { EtpSocket } from '../server/etp-socket.js';
import { EtpRoomLimitError, EtpRoomNameError } from './errors.js';
import { hasSocketIdShape } from './socket-id.js';

const NO_ROOMS: ReadonlySet<string> = new Set();

/**
 * Told when a name starts and stops reaching someone on this instance: a room gets its first
 * member or loses its last, a connection opens or starts closing (its id names it). A broker
 * that routes by room subscribes and unsubscribes here; joins that change neither cost nothing.
 */
export interface RoomsObserver {
  /** `name` reaches someone here now; it may already have been told so. */
  appeared(name: string): void;
  /** `name` may reach nobody here any more; it checks with `has` before acting. */
  gone(name: string): void;
}

/**
 * Told of every connection's life and memberships on this instance, before anyone else:
 * connection-state recovery, when the application keeps room broadcasts.
 */
export interface MembershipObserver {
  /** A handshake: what its client asked to recover, once read; `undefined` if it asked none. */
  admit(request: IncomingMessage): Promise<ConnectionAdmission> | undefined;
  /** The connection of an admitted handshake opened. */
  connected(socket: EtpSocket, admission: ConnectionAdmission): void;
  /** The connection ended. */
  disconnected(socket: EtpSocket): void;
  /** The socket joined rooms it was not in. */
  joined(socket: EtpSocket, rooms: readonly string[]): void;
  /** The socket left rooms it was in. */
  left(socket: EtpSocket, rooms: readonly string[]): void;
}

/**
 * How many rooms one connection may be in unless `maxRoomsPerSocket` says otherwise. A
 * membership costs some 250 bytes: the bound keeps one connection under ~2.5 MiB of rooms and
 * its `fetchSockets` description under ~0.5 MB, while a user in every channel of a large
 * workspace stays far below it.
 */
export const DEFAULT_MAX_ROOMS_PER_SOCKET = 10_000;

/**
 * This process's connections and the rooms they are in, both ways: room → sockets for the
 * broadcasts, socket id → rooms for `socket.rooms`. A room exists while it has a member: the
 * last socket to leave, or to start closing, removes it. A socket's id names that socket alone
 * (it is never listed), so one connection is reached by id like a room, wherever it is; no room
 * can take a name of that shape.
 *
 * A connection that starts closing is no member of anything from that moment: the server tells
 * the registry (`closing`), or, when the peer closed first, the registry finds it no longer
 * open the next time it looks. Its rooms stay readable (`roomsOf`) until `disconnected`, for
 * `handleDisconnect`.
 */
export class RoomRegistry implements ConnectionRegistry {
  private readonly sockets = new Map<string, EtpSocket>();
  private readonly rooms = new Map<string, Set<EtpSocket>>();
  private readonly roomsById = new Map<string, Set<string>>();
  private readonly servers = new Set<EtpServer>();
  private codecList: EtpPayloadCodec[] = [];
  private frameLimit = Infinity;
  private observer: RoomsObserver | undefined;
  /** @internal Set when the application keeps room broadcasts for reconnecting clients. */
  recovery: MembershipObserver | undefined;

  constructor(readonly maxRoomsPerSocket = DEFAULT_MAX_ROOMS_PER_SOCKET) {
    if (!(maxRoomsPerSocket >= 1)) {
      throw new Error(`maxRoomsPerSocket must be at least 1, got ${String(maxRoomsPerSocket)}`);
    }
  }

  /** Tells `observer` of every name that appears or goes from now on, and of those here now. */
  observeRooms(observer: RoomsObserver): void {
    this.observer = observer;
    for (const id of this.sockets.keys()) observer.appeared(id);
    for (const room of this.rooms.keys()) observer.appeared(room);
  }

  /** Whether a room or an open connection of this name is here, as far as known (no check). */
  has(name: string): boolean {
    return this.sockets.has(name) || this.rooms.has(name);
  }

  admit(request: IncomingMessage): Promise<ConnectionAdmission> | undefined {
    return this.recovery?.admit(request);
  }

  connected(socket: EtpSocket, admission?: ConnectionAdmission): void {
    if (admission !== undefined) this.recovery?.connected(socket, admission);
    this.sockets.set(socket.id, socket);
    if (!this.servers.has(socket.server)) this.addServer(socket.server);
    this.observer?.appeared(socket.id);
  }

  /** The connection started closing: out of every room, and no longer reached by its id. */
  closing(socket: EtpSocket): void {
    if (this.sockets.get(socket.id) === socket) {
      this.sockets.delete(socket.id);
      this.observer?.gone(socket.id);
    }
    const own = this.roomsById.get(socket.id);
    if (own !== undefined) for (const room of own) this.removeMember(room, socket);
  }

  /** Called after the disconnect hooks ran, so `handleDisconnect` still sees the rooms. */
  disconnected(socket: EtpSocket): void {
    this.closing(socket);
    this.roomsById.delete(socket.id);
    this.recovery?.disconnected(socket);
  }

  roomsOf(socket: EtpSocket): ReadonlySet<string> {
    return this.roomsById.get(socket.id) ?? NO_ROOMS;
  }

  /**
   * Puts an open connection into rooms, all or none: a name shaped like a socket id, or more
   * rooms than `maxRoomsPerSocket`, refuses the whole join. A closing connection joins nothing.
   */
  join(socket: EtpSocket, rooms: readonly string[]): void {
    if (!socket.connected) return;
    for (const room of rooms) if (hasSocketIdShape(room)) throw new EtpRoomNameError(room);
    if (this.sockets.get(socket.id) !== socket) {
      // A socket of an adapter that could not reach this registry: track it from here on.
      this.connected(socket);
      socket.server.observe(this);
      socket.onClose(() => this.disconnected(socket));
    }
    let own = this.roomsById.get(socket.id);
    this.checkLimit(socket, own, rooms);
    if (own === undefined) {
      own = new Set();
      this.roomsById.set(socket.id, own);
    }
    const recovery = this.recovery;
    const added: string[] | undefined = recovery === undefined ? undefined : [];
    for (const room of rooms) {
      let members = this.rooms.get(room);
      if (members === undefined) {
        members = new Set();
        this.rooms.set(room, members);
        this.observer?.appeared(room);
      }
      if (added !== undefined && !own.has(room)) added.push(room);
      members.add(socket);
      own.add(room);
    }
    if (added !== undefined && added.length > 0) recovery!.joined(socket, added);
  }

  leave(socket: EtpSocket, rooms: readonly string[]): void {
    const own = this.roomsById.get(socket.id);
    if (own === undefined) return;
    const recovery = this.recovery;
    const gone: string[] | undefined = recovery === undefined ? undefined : [];
    for (const room of rooms) {
      if (own.delete(room)) gone?.push(room);
      this.removeMember(room, socket);
    }
    if (own.size === 0) this.roomsById.delete(socket.id);
    if (gone !== undefined && gone.length > 0) recovery!.left(socket, gone);
  }

  leaveAll(socket: EtpSocket): void {
    const own = this.roomsById.get(socket.id);
    if (own === undefined) return;
    this.roomsById.delete(socket.id);
    for (const room of own) this.removeMember(room, socket);
    this.recovery?.left(socket, [...own]);
  }

  clear(rooms: readonly string[]): void {
    for (const room of rooms) {
      const members = this.rooms.get(room);
      if (members === undefined) continue;
      this.rooms.delete(room);
      this.observer?.gone(room);
      for (const socket of members) {
        const own = this.roomsById.get(socket.id);
        own?.delete(room);
        if (own?.size === 0) this.roomsById.delete(socket.id);
        this.recovery?.left(socket, [room]);
      }
    }
  }

  /** The rooms with an open member. */
  roomNames(): string[] {
    const names: string[] = [];
    for (const [room, members] of this.rooms) {
      if (this.openCount(members) > 0) names.push(room);
    }
    return names;
  }

  /**
   * The socket whose id this is, if it is open here; otherwise the members of the room of that
   * name. May still hold a socket whose peer closed first: iterate with `isMember`.
   */
  members(room: string): ReadonlySet<EtpSocket> | undefined {
    const socket = this.sockets.get(room);
    if (socket !== undefined) return new Set([socket]);
    return this.rooms.get(room);
  }

  /**
   * Whether a socket met while iterating is still open; one whose peer closed first is taken
   * out of its rooms on the way (deleting the current entry of a Set being iterated is safe).
   */
  isMember(socket: EtpSocket): boolean {
    if (socket.connected) return true;
    this.closing(socket);
    return false;
  }

  /** The open members of a named room only. */
  roomSize(room: string): number {
    const members = this.rooms.get(room);
    return members === undefined ? 0 : this.openCount(members);
  }

  /** The open connection with this id. */
  get(id: string): EtpSocket | undefined {
    const socket = this.sockets.get(id);
    return socket === undefined || this.isMember(socket) ? socket : undefined;
  }

  /** The connections not yet known to be closing: iterate with `isMember`. */
  all(): IterableIterator<EtpSocket> {
    return this.sockets.values();
  }

  get socketCount(): number {
    return this.sockets.size;
  }

  /** The payload codecs of the gateways met so far, each once. */
  get codecs(): readonly EtpPayloadCodec[] {
    return this.codecList;
  }

  /** The smallest `maxBufferedBytes` of the gateways met so far: no broadcast frame may pass it. */
  get maxFrameBytes(): number {
    return this.frameLimit;
  }

  private addServer(server: EtpServer): void {
    this.servers.add(server);
    const codec = server.codec as EtpPayloadCodec | undefined;
    if (codec !== undefined && !this.codecList.includes(codec)) {
      this.codecList = [...this.codecList, codec];
    }
    const limit = server.maxBufferedBytes as number | undefined;
    if (limit !== undefined && limit < this.frameLimit) this.frameLimit = limit;
  }

  private checkLimit(
    socket: EtpSocket,
    own: ReadonlySet<string> | undefined,
    rooms: readonly string[],
  ): void {
    const max = this.maxRoomsPerSocket;
    const current = own?.size ?? 0;
    if (current + rooms.length <= max) return;
    const added = new Set<string>();
    for (const room of rooms) {
      if (own?.has(room) !== true) added.add(room);
      if (current + added.size > max) throw new EtpRoomLimitError(socket.id, max);
    }
  }

  private openCount(members: Set<EtpSocket>): number {
    for (const socket of members) this.isMember(socket);
    return members.size;
  }

  private removeMember(room: string, socket: EtpSocket): void {
    const members = this.rooms.get(room);
    if (members === undefined) return;
    members.delete(socket);
    if (members.size === 0) {
      this.rooms.delete(room);
      this.observer?.gone(room);
    }
  }
}
