import type { EtpRoomsService, EtpSocket } from 'nestjs-etp';

const NAME = 'name';
/** The room every connection of `/ws` joins (see `HelloGateway`): not one of the chat's. */
const HELLO_ROOM = 'goodClients';

/** The chat keeps a member's name in the connection's `data`. */
export function nameOf(socket: EtpSocket): string | undefined {
  return socket.data.get(NAME) as string | undefined;
}

export function setName(socket: EtpSocket, name: string): void {
  socket.data.set(NAME, name);
}

/**
 * The chat rooms of a connection: its rooms but the hello gateway's. `handleDisconnect` still
 * sees them: a connection leaves its rooms after the disconnect hooks ran.
 */
export function chatRoomsOf(socket: EtpSocket): string[] {
  return [...socket.rooms].filter((room) => room !== HELLO_ROOM);
}

/** The names of a room's members, sorted. */
export function membersOf(rooms: EtpRoomsService, room: string): string[] {
  return rooms
    .socketsOf(room)
    .map((socket) => nameOf(socket) ?? 'anonymous')
    .sort((a, b) => a.localeCompare(b));
}
