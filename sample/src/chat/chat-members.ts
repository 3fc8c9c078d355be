import type { EtpRoomsService, EtpSocket } from 'nestjs-etp';

const NAME = 'name';
/** The room every connection of `/ws` joins (see `HelloGateway`): not one of the chat's. */
const HELLO_ROOM = 'goodClients';
/**
 * A member's name is also a room of its own (`name:alice`): the one thing `fetchSockets()` tells
 * of a connection on another instance is its id and rooms. Chat rooms cannot contain `:`, so the
 * two never mix; and `rooms.to('name:alice')` reaches alice wherever she is connected.
 */
const NAME_ROOM = 'name:';

/** The chat keeps a member's name in the connection's `data`, and in a room of the name. */
export function nameOf(socket: EtpSocket): string | undefined {
  return socket.data.get(NAME) as string | undefined;
}

export function setName(rooms: EtpRoomsService, socket: EtpSocket, name: string): void {
  const previous = nameOf(socket);
  if (previous === name) return;
  if (previous !== undefined) rooms.leave(socket, NAME_ROOM + previous);
  socket.data.set(NAME, name);
  rooms.join(socket, NAME_ROOM + name);
}

/** Whether a room is one of the chat's: not the hello gateway's, not a name. */
export function isChatRoom(room: string): boolean {
  return room !== HELLO_ROOM && !room.startsWith(NAME_ROOM);
}

/**
 * The chat rooms of a connection. `handleDisconnect` still sees them: a connection leaves its
 * rooms after the disconnect hooks ran.
 */
export function chatRoomsOf(socket: EtpSocket): string[] {
  return [...socket.rooms].filter(isChatRoom);
}

/** The names of a room's members on every instance, sorted. */
export async function membersOf(rooms: EtpRoomsService, room: string): Promise<string[]> {
  const members = await rooms.to(room).fetchSockets();
  return members
    .map((member) => {
      for (const joined of member.rooms) {
        if (joined.startsWith(NAME_ROOM)) return joined.slice(NAME_ROOM.length);
      }
      return 'anonymous';
    })
    .sort((a, b) => a.localeCompare(b));
}

/** Every room with members on any instance, and how many, the chat's bookkeeping left out. */
export async function roomSizes(
  rooms: EtpRoomsService,
): Promise<Array<{ room: string; size: number }>> {
  const sizes = new Map<string, number>();
  for (const socket of await rooms.fetchSockets()) {
    for (const room of socket.rooms) {
      if (!room.startsWith(NAME_ROOM)) sizes.set(room, (sizes.get(room) ?? 0) + 1);
    }
  }
  return [...sizes].map(([room, size]) => ({ room, size }));
}

/**
 * Sends a chat message to a room on every instance; returns how many members it went to there,
 * or `null` when an instance did not answer the count (one that just died is still counted until
 * the others stop hearing its heartbeats). `emit` itself counts only the connections of this
 * instance, so the members are counted after it; the message never waits for the count.
 */
export async function sendToRoom(
  rooms: EtpRoomsService,
  room: string,
  message: object,
): Promise<number | null> {
  rooms.to(room).emit('message', message);
  try {
    return (await rooms.to(room).fetchSockets()).length;
  } catch {
    return null;
  }
}
