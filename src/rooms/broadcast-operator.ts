import type {
  EtpDefaultEventsMap,
  EtpEmitArgs,
  EtpEventNames,
  EtpEventsMap,
  EtpUntypedEventName,
} from '../protocol/event-map.js';
import type { EtpPayloadCodec } from '../protocol/codec.js';
import { encodeFrame } from '../protocol/frame.js';
import type { EtpSocket } from '../server/etp-socket.js';
import { prepareFrame, type PreparedFrame } from '../server/websocket-frame.js';
import type { RoomRegistry } from './room-registry.js';
import { recordRoomsBroadcast } from '../metrics/rooms-metrics.js';

/**
 * A broadcast being built: `rooms.to('a', 'b').except('c', senderSocket).emit(event, data)`.
 * Each call returns a new operator, so one can be kept and reused. Never given `to`, it reaches
 * every connection; `to()` with no room reaches none. The frame is encoded once per payload codec, not once per socket.
 */
export class EtpBroadcastOperator<EmitEvents extends EtpEventsMap = EtpDefaultEventsMap> {
  constructor(
    private readonly registry: RoomRegistry,
    /** `undefined`: every connection. */
    private readonly targetRooms: readonly string[] | undefined = undefined,
    private readonly exceptRooms: readonly string[] = [],
    private readonly exceptSockets: readonly EtpSocket[] = [],
  ) {}

  /** Adds rooms to reach. */
  to(...rooms: string[]): EtpBroadcastOperator<EmitEvents> {
    return new EtpBroadcastOperator(
      this.registry,
      [...(this.targetRooms ?? []), ...rooms],
      this.exceptRooms,
      this.exceptSockets,
    );
  }

  /** Leaves out the members of these rooms, and these sockets. */
  except(...excluded: Array<string | EtpSocket>): EtpBroadcastOperator<EmitEvents> {
    const rooms = excluded.filter((one): one is string => typeof one === 'string');
    const sockets = excluded.filter((one): one is EtpSocket => typeof one !== 'string');
    return new EtpBroadcastOperator(
      this.registry,
      this.targetRooms,
      [...this.exceptRooms, ...rooms],
      [...this.exceptSockets, ...sockets],
    );
  }

  /** The sockets this broadcast reaches, each once. */
  sockets(): EtpSocket[] {
    return [...this.targets()];
  }

  /** Sends the event; returns how many connections it was written to. */
  emit<E extends EtpEventNames<EmitEvents>>(event: E, ...data: EtpEmitArgs<EmitEvents, E>): number;
  emit(event: EtpUntypedEventName<EmitEvents>, data?: unknown): number;
  emit(event: string, data?: unknown): number {
    let codec: EtpPayloadCodec | undefined;
    let frame: PreparedFrame | undefined;
    let sent = 0;
    for (const socket of this.targets()) {
      if (socket.codec !== codec) {
        codec = socket.codec;
        frame = prepareFrame(encodeFrame(event, 0, codec.encode(data)));
      }
      if (socket.sendPrepared(frame!)) sent++;
    }
    recordRoomsBroadcast(sent);
    return sent;
  }

  private *targets(): Generator<EtpSocket> {
    const excluded = this.excluded();
    const targetRooms = this.targetRooms;
    if (targetRooms === undefined) {
      for (const socket of this.registry.all()) {
        if (excluded === undefined || !excluded.has(socket)) yield socket;
      }
      return;
    }
    if (targetRooms.length === 1) {
      const members = this.registry.members(targetRooms[0]);
      if (members === undefined) return;
      for (const socket of members) {
        if (excluded === undefined || !excluded.has(socket)) yield socket;
      }
      return;
    }
    const seen = new Set<EtpSocket>(excluded);
    for (const room of targetRooms) {
      const members = this.registry.members(room);
      if (members === undefined) continue;
      for (const socket of members) {
        if (seen.has(socket)) continue;
        seen.add(socket);
        yield socket;
      }
    }
  }

  private excluded(): Set<EtpSocket> | undefined {
    if (this.exceptRooms.length === 0 && this.exceptSockets.length === 0) return undefined;
    const excluded = new Set<EtpSocket>(this.exceptSockets);
    for (const room of this.exceptRooms) {
      const members = this.registry.members(room);
      if (members !== undefined) for (const socket of members) excluded.add(socket);
    }
    return excluded;
  }
}
