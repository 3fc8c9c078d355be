import type {
  EtpDefaultEventsMap,
  EtpEmitArgs,
  EtpEventNames,
  EtpEventsMap,
  EtpUntypedEventName,
} from '../protocol/event-map.js';
import { Injectable } from '@nestjs/common';
import type { EtpSocket } from '../server/etp-socket.js';
import { EtpBroadcastOperator } from './broadcast-operator.js';
import { RoomRegistry } from './room-registry.js';

/**
 * The rooms of every ETP gateway of the application, injectable anywhere: a gateway, an HTTP
 * controller, a scheduled job. A connection leaves all its rooms when it disconnects.
 */
@Injectable()
export class EtpRoomsService<EmitEvents extends EtpEventsMap = EtpDefaultEventsMap> {
  /** @internal Fed with every connection by `EtpAdapter`. */
  readonly registry = new RoomRegistry();

  /** Puts a connection into rooms. */
  join(socket: EtpSocket, ...rooms: string[]): void {
    this.registry.join(socket, rooms);
  }

  /** Takes a connection, given as a socket or by id, out of rooms; of all its rooms with none named. */
  leave(socketOrId: EtpSocket | string, ...rooms: string[]): void {
    const socket = typeof socketOrId === 'string' ? this.registry.get(socketOrId) : socketOrId;
    if (socket === undefined) return;
    if (rooms.length === 0) this.registry.leaveAll(socket);
    else this.registry.leave(socket, rooms);
  }

  /** How many connections a room has (0 for a room that does not exist). */
  size(room: string): number {
    return this.registry.members(room)?.size ?? 0;
  }

  /** Empties rooms, and so removes them; every room when none is named. */
  clear(...rooms: string[]): void {
    this.registry.clear(rooms.length === 0 ? this.registry.roomNames() : rooms);
  }

  /** The names of the rooms that have members. */
  list(): string[] {
    return this.registry.roomNames();
  }

  /** The connections in any of these rooms, each once. */
  socketsOf(...rooms: string[]): EtpSocket[] {
    return rooms.length === 0 ? [] : new EtpBroadcastOperator(this.registry, rooms).sockets();
  }

  /** Every open connection of every gateway. */
  allSockets(): EtpSocket[] {
    return [...this.registry.all()];
  }

  /** A connection by its id. */
  get(id: string): EtpSocket | undefined {
    return this.registry.get(id);
  }

  /** Starts a broadcast to the members of these rooms. */
  to(...rooms: string[]): EtpBroadcastOperator<EmitEvents> {
    return new EtpBroadcastOperator(this.registry, rooms);
  }

  /** Starts a broadcast to every connection but these rooms' members and these sockets. */
  except(...excluded: Array<string | EtpSocket>): EtpBroadcastOperator<EmitEvents> {
    return new EtpBroadcastOperator<EmitEvents>(this.registry).except(...excluded);
  }

  /** Sends an event to every connection of every gateway. */
  emit<E extends EtpEventNames<EmitEvents>>(event: E, ...data: EtpEmitArgs<EmitEvents, E>): number;
  emit(event: EtpUntypedEventName<EmitEvents>, data?: unknown): number;
  emit(event: string, data?: unknown): number {
    return new EtpBroadcastOperator(this.registry).emit(event, data);
  }
}
