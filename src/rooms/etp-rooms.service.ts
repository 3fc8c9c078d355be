import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ETP_MODULE_OPTIONS, type EtpModuleOptions } from '../etp-module.options.js';
import { ETP_BROKER } from '../etp.tokens.js';
import type {
  EtpDefaultEventsMap,
  EtpEmitArgs,
  EtpEventNames,
  EtpEventsMap,
  EtpUntypedEventName,
} from '../protocol/event-map.js';
import type { EtpSocket } from '../server/etp-socket.js';
import { EtpBroadcastOperator } from './broadcast-operator.js';
import type { EtpBroker } from './etp-broker.js';
import { EtpInMemoryBroker } from './in-memory-broker.js';
import { EtpLocalRooms } from './local-rooms.js';
import { checkRecoveryOptions } from './recovery-options.js';
import { RoomRecovery } from './room-recovery.js';
import { RoomRegistry } from './room-registry.js';

/**
 * The rooms of every ETP gateway of the application, injectable anywhere: a gateway, an HTTP
 * controller, a scheduled job. A connection leaves all its rooms when it disconnects. Membership
 * is kept by the instance a connection is on; what the broadcast operator does (`to()`,
 * `except()`, `emit()` …) reaches every instance through the broker.
 */
@Injectable()
export class EtpRoomsService<EmitEvents extends EtpEventsMap = EtpDefaultEventsMap>
  implements OnModuleInit, OnApplicationShutdown
{
  /** @internal Fed with every connection by `EtpAdapter`. */
  readonly registry: RoomRegistry;
  private readonly local: EtpLocalRooms;
  private readonly broker: EtpBroker;

  constructor(
    @Optional() @Inject(ETP_BROKER) broker?: EtpBroker,
    @Optional() @Inject(ETP_MODULE_OPTIONS) options?: EtpModuleOptions,
  ) {
    this.registry = new RoomRegistry(options?.maxRoomsPerSocket);
    this.local = new EtpLocalRooms(this.registry);
    this.broker = broker ?? new EtpInMemoryBroker();
    this.broker.attach(this.local);
    const recovery = options?.recovery;
    if (recovery !== undefined) {
      const rooms = new RoomRecovery(this.broker, checkRecoveryOptions(recovery), this.registry);
      this.registry.recovery = rooms;
      this.local.recovery = rooms;
    }
  }

  /** @internal */
  onModuleInit(): Promise<void> {
    return this.broker.init();
  }

  /** @internal After the gateways closed, so their last broadcasts still went out. */
  onApplicationShutdown(): Promise<void> {
    return this.broker.close();
  }

  /**
   * Puts an open connection of this instance into rooms, all of them or none: it throws
   * `EtpRoomLimitError` past `maxRoomsPerSocket`, and `EtpRoomNameError` for a name shaped
   * like a socket id (such a name always means that socket). A closing connection joins nothing.
   */
  join(socket: EtpSocket, ...rooms: string[]): void {
    this.registry.join(socket, rooms);
  }

  /**
   * Takes a connection of this instance, given as a socket or by id, out of rooms; out of all
   * its rooms with none named. `to(id).socketsLeave(...)` does it on any instance.
   */
  leave(socketOrId: EtpSocket | string, ...rooms: string[]): void {
    const socket = typeof socketOrId === 'string' ? this.registry.get(socketOrId) : socketOrId;
    if (socket === undefined) return;
    if (rooms.length === 0) this.registry.leaveAll(socket);
    else this.registry.leave(socket, rooms);
  }

  /**
   * How many open connections of this instance a room has (0 for a room that does not exist);
   * one that started closing is not counted.
   */
  size(room: string): number {
    return this.registry.roomSize(room);
  }

  /** Empties rooms of this instance's members, and so removes them; every room with none named. */
  clear(...rooms: string[]): void {
    this.registry.clear(rooms.length === 0 ? this.registry.roomNames() : rooms);
  }

  /** The names of the rooms that have members on this instance. */
  list(): string[] {
    return this.registry.roomNames();
  }

  /** The connections of this instance in any of these rooms, each once. */
  socketsOf(...rooms: string[]): EtpSocket[] {
    return rooms.length === 0 ? [] : this.to(...rooms).sockets();
  }

  /** Every open connection of every gateway of this instance. */
  allSockets(): EtpSocket[] {
    return this.all().sockets();
  }

  /** A connection of this instance by its id. */
  get(id: string): EtpSocket | undefined {
    return this.registry.get(id);
  }

  /** Starts a broadcast to the members of these rooms (or these socket ids), on every instance. */
  to(...rooms: string[]): EtpBroadcastOperator<EmitEvents> {
    return new EtpBroadcastOperator<EmitEvents>(this.broker, this.local, { rooms, except: [] });
  }

  /** Starts a broadcast to every connection but these rooms' members and these sockets. */
  except(...excluded: Array<string | EtpSocket>): EtpBroadcastOperator<EmitEvents> {
    return new EtpBroadcastOperator<EmitEvents>(this.broker, this.local).except(...excluded);
  }

  /** Starts an operation on every connection of every instance (`fetchSockets()`, …). */
  all(): EtpBroadcastOperator<EmitEvents> {
    return new EtpBroadcastOperator<EmitEvents>(this.broker, this.local);
  }

  /** Sends an event to every connection of every gateway, on every instance. */
  emit<E extends EtpEventNames<EmitEvents>>(event: E, ...data: EtpEmitArgs<EmitEvents, E>): number;
  emit(event: EtpUntypedEventName<EmitEvents>, data?: unknown): number;
  emit(event: string, data?: unknown): number {
    return new EtpBroadcastOperator(this.broker, this.local).emit(event, data);
  }

  /** Every connection of every instance. */
  fetchSockets(): ReturnType<EtpBroadcastOperator['fetchSockets']> {
    return this.all().fetchSockets();
  }
}
