import type { EtpRoomsService, EtpSocket } from 'nestjs-etp';

const NAME = 'name';
const CHAT_ROOMS = 'chatRooms';

/** The chat keeps a member's name and chat rooms in the connection's `data`. */
export function nameOf(socket: EtpSocket): string | undefined {
  return socket.data.get(NAME) as string | undefined;
}

export function setName(socket: EtpSocket, name: string): void {
  socket.data.set(NAME, name);
}

/**
 * The chat rooms of a connection. `socket.rooms` also holds rooms the chat does not own
 * (`goodClients`), and is already empty once the connection has gone.
 */
export function chatRoomsOf(socket: EtpSocket): Set<string> {
  let rooms = socket.data.get(CHAT_ROOMS) as Set<string> | undefined;
  if (rooms === undefined) {
    rooms = new Set();
    socket.data.set(CHAT_ROOMS, rooms);
  }
  return rooms;
}

/** The names of a room's members, sorted. */
export function membersOf(rooms: EtpRoomsService, room: string): string[] {
  return rooms
    .socketsOf(room)
    .map((socket) => nameOf(socket) ?? 'anonymous')
    .sort((a, b) => a.localeCompare(b));
}
