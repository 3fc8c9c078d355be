import type {
  EtpDefaultEventsMap,
  EtpEmitArgs,
  EtpEventAnswer,
  EtpEventNames,
  EtpEventsMap,
  EtpUntypedEventName,
} from '../protocol/event-map.js';
import { DEFAULT_ACK_TIMEOUT } from '../protocol/pending-acks.js';
import { AckCollector } from './ack-collector.js';
import type { EtpSocket } from '../server/etp-socket.js';
import type { EtpBroadcastTarget, EtpBroker } from './etp-broker.js';
import { EtpRoomNameError } from './errors.js';
import type { EtpLocalRooms } from './local-rooms.js';
import { EtpRemoteSocket } from './remote-socket.js';
import { hasSocketIdShape } from './socket-id.js';
import { publishedRooms } from './room-copies.js';

/**
 * The rooms whose histories keep a broadcast to `target`: each of its rooms, once. `undefined`
 * for a broadcast that is not kept: to everyone, or to a socket id (a room of one).
 */
function keptRooms(target: EtpBroadcastTarget): readonly string[] | undefined {
  const rooms = publishedRooms(target);
  if (rooms === undefined || rooms.length === 0 || rooms.some(hasSocketIdShape)) return undefined;
  return rooms;
}

/**
 * A broadcast being built: `rooms.to('a', 'b').except('c', senderSocket).emit(event, data)`.
 * Each call returns a new operator, so one can be kept and reused. Never given `to`, it reaches
 * every connection; `to()` with no room reaches none. It carries room names and socket ids
 * only (a socket id names a room of one), so the broker can take it to every instance; each
 * instance encodes the frame once per payload codec, not once per socket.
 */
export class EtpBroadcastOperator<EmitEvents extends EtpEventsMap = EtpDefaultEventsMap> {
  /** @internal */
  constructor(
    private readonly broker: EtpBroker,
    private readonly local: EtpLocalRooms,
    private readonly target: EtpBroadcastTarget = { rooms: undefined, except: [] },
    private readonly ackTimeout = DEFAULT_ACK_TIMEOUT,
  ) {}

  /** Adds rooms (or socket ids) to reach. */
  to(...rooms: string[]): EtpBroadcastOperator<EmitEvents> {
    return this.with({
      rooms: [...(this.target.rooms ?? []), ...rooms],
      except: this.target.except,
    });
  }

  /** Leaves out the members of these rooms, and these sockets (given as sockets or ids). */
  except(...excluded: Array<string | EtpSocket>): EtpBroadcastOperator<EmitEvents> {
    const names = excluded.map((one) => (typeof one === 'string' ? one : one.id));
    return this.with({ rooms: this.target.rooms, except: [...this.target.except, ...names] });
  }

  /** How long `emitWithAck` waits for the answers, in ms (default 30 000; 0: for ever). */
  timeout(ms: number): EtpBroadcastOperator<EmitEvents> {
    return new EtpBroadcastOperator<EmitEvents>(this.broker, this.local, this.target, ms);
  }

  /**
   * Sends the event to every member on every instance. Returns at once with how many
   * connections of this instance it was written to; a broker that fails to reach the other
   * instances says so in the log. A broadcast no member could take throws here, before it
   * reaches any instance: `EtpFrameError` for an event name a frame cannot carry (not a string,
   * or containing `||`), the payload codec's error for data it cannot encode, and
   * `EtpBroadcastTooLargeError` for a frame larger than the gateways' `maxBufferedBytes`.
   */
  emit<E extends EtpEventNames<EmitEvents>>(event: E, ...data: EtpEmitArgs<EmitEvents, E>): number;
  emit(event: EtpUntypedEventName<EmitEvents>, data?: unknown): number;
  emit(event: string, data?: unknown): number {
    const payloads = this.local.payloads;
    const registry = this.local.registry;
    payloads.prepare(event, data, registry.codecs, registry.maxFrameBytes);
    try {
      const rooms = this.local.recovery === undefined ? undefined : keptRooms(this.target);
      if (rooms !== undefined) return this.emitKept(rooms, event, data);
      // Handed to the other instances first, so that they write to their members while this
      // one writes to its own.
      this.broker.publish(this.target, event, data);
      return this.local.emit(this.target, event, data);
    } finally {
      payloads.clear();
    }
  }

  /**
   * A room broadcast kept for reconnecting clients: each room's copy goes through the broker,
   * which numbers it in the room's history and hands it back to every instance with members,
   * this one included, so that every member everywhere sees a room's broadcasts in one order.
   * Returns how many local members it was written to before returning (with a Redis broker,
   * they get it once Redis has kept it, so none yet).
   */
  private emitKept(rooms: readonly string[], event: string, data: unknown): number {
    const before = this.local.keptWrites;
    for (const room of rooms) {
      this.broker.publishKept!(room, this.target, event, data);
    }
    return this.local.keptWrites - before;
  }

  /**
   * Sends the event to every member, each asked for an answer. Resolves with every member's
   * answer (in the order they came), or rejects with `EtpAckTimeoutError` whose `responses`
   * holds the answers that came in time. A member that starts closing before answering is not
   * waited for. Rejects at once, asking nobody, for the reasons `emit` throws.
   */
  emitWithAck<E extends EtpEventNames<EmitEvents>>(
    event: E,
    ...data: EtpEmitArgs<EmitEvents, E>
  ): Promise<Array<EtpEventAnswer<EmitEvents, E>>>;
  emitWithAck<T = unknown>(event: EtpUntypedEventName<EmitEvents>, data?: unknown): Promise<T[]>;
  emitWithAck<T = unknown>(event: string, data?: unknown): Promise<T[]> {
    const payloads = this.local.payloads;
    const registry = this.local.registry;
    try {
      payloads.prepare(event, data, registry.codecs, registry.maxFrameBytes);
      const { target, ackTimeout } = this;
      const collector = new AckCollector(event, ackTimeout);
      this.broker.requestAcks(target, event, data, ackTimeout, collector);
      collector.expect(this.local.requestAcks(target, event, data, ackTimeout, collector));
      collector.check();
      return collector.promise as Promise<T[]>;
    } catch (error) {
      return Promise.reject(error as Error);
    } finally {
      payloads.clear();
    }
  }

  /** The members on every instance: their ids and rooms, and what can be done to them. */
  async fetchSockets(): Promise<EtpRemoteSocket[]> {
    const remote = await this.broker.fetchRemoteSockets(this.target);
    const descriptions = [...this.local.describe(this.target), ...remote];
    return descriptions.map(
      (description) =>
        new EtpRemoteSocket(this.with({ rooms: [description.id], except: [] }), description),
    );
  }

  /**
   * Puts every member, on every instance, into these rooms. Rejects with `EtpRoomNameError`,
   * joining nobody, for a name shaped like a socket id. A member that the join would take past
   * `maxRoomsPerSocket` is left out of all these rooms (and counted in the log); the others join.
   */
  async socketsJoin(...rooms: string[]): Promise<void> {
    const misnamed = rooms.find(hasSocketIdShape);
    if (misnamed !== undefined) throw new EtpRoomNameError(misnamed);
    this.local.join(this.target, rooms);
    await this.broker.joinRemote(this.target, rooms);
  }

  /** Takes every member, on every instance, out of these rooms. */
  async socketsLeave(...rooms: string[]): Promise<void> {
    this.local.leave(this.target, rooms);
    await this.broker.leaveRemote(this.target, rooms);
  }

  /** Closes the connection of every member, on every instance (1000 by default). */
  async disconnectSockets(code = 1000, reason?: string): Promise<void> {
    this.local.disconnect(this.target, code, reason);
    await this.broker.disconnectRemote(this.target, code, reason);
  }

  /** The members connected to this instance, each once. */
  sockets(): EtpSocket[] {
    return this.local.sockets(this.target);
  }

  private with(target: EtpBroadcastTarget): EtpBroadcastOperator<EmitEvents> {
    return new EtpBroadcastOperator<EmitEvents>(this.broker, this.local, target, this.ackTimeout);
  }
}
