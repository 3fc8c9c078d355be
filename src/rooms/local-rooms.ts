import { Logger } from '@nestjs/common';
import type { EtpPayloadCodec } from '../protocol/codec.js';
import { EtpAckTimeoutError, EtpConnectionClosedError } from '../protocol/errors.js';
import { encodeFrame } from '../protocol/frame.js';
import type { EtpSocket } from '../server/etp-socket.js';
import { prepareFrame, type PreparedFrame } from '../server/websocket-frame.js';
import { recordRoomsBroadcast } from '../metrics/rooms-metrics.js';
import type { AckCollector } from './ack-collector.js';
import { BroadcastPayloads, type Payload } from './broadcast-payloads.js';
import { EtpBroadcastTooLargeError, EtpRoomLimitError } from './errors.js';
import type {
  EtpBroadcastTarget,
  EtpKeptBroadcast,
  EtpPosition,
  EtpSocketDescription,
} from './broker-types.js';
import { keptHeader, wrapKept } from '../protocol/recovery.js';
import type { RoomRegistry } from './room-registry.js';
import { hasSocketIdShape } from './socket-id.js';
import type { SocketRecovery } from './socket-recovery.js';

/**
 * What delivery asks of recovery: a socket's recovery state, to hold back what its catch-up has
 * not reached yet.
 */
export interface RecoveryStates {
  stateOf(socket: EtpSocket): SocketRecovery | undefined;
}

const logger = new Logger('EtpRoomsService');

/**
 * Every operation on the connections of this instance that a target names. The rooms service
 * calls it for this instance's part of each operation; a broker receives it in `attach()` and
 * calls it for the part other instances ask of this one. Only open connections are members: one
 * that started closing is neither reached, counted, listed nor waited for.
 */
export class EtpLocalRooms {
  /** @internal The payloads of the broadcast being sent, encoded before the broker ran. */
  readonly payloads = new BroadcastPayloads();

  /**
   * @internal
   * @param registry - Who is in which room on this instance.
   */
  constructor(readonly registry: RoomRegistry) {}

  /** @internal Set when the application keeps room broadcasts for reconnecting clients. */
  recovery: RecoveryStates | undefined;
  /** @internal How many writes `deliverKept` made so far: `emit` tells its own from it. */
  keptWrites = 0;

  /**
   * Writes one room's copy of a kept broadcast to the local members of its target, in the order
   * the broker hands them over (the history's order); returns how many got it. A client that
   * asked for the extension gets it wrapped with its position; one whose catch-up of the room
   * is running gets it held back until the catch-up has written what it missed.
   */
  deliverKept(kept: EtpKeptBroadcast, position: EtpPosition): number {
    const { event, data } = kept;
    const encoded = this.payloads.peek(event, data);
    const header = keptHeader(kept.room, position.epoch, position.offset);
    const plain = new Map<EtpPayloadCodec, PreparedFrame | null>();
    const wrapped = new Map<EtpPayloadCodec, PreparedFrame | null>();
    let sent = 0;
    const recovery = this.recovery;
    this.forEach(kept.target, (socket) => {
      const state = recovery?.stateOf(socket);
      if (state?.isHolding(kept.room) === true) {
        if (this.registry.isMember(socket)) state.hold({ kept, position });
        return;
      }
      const codec = socket.codec;
      const frames = state === undefined ? plain : wrapped;
      let frame = frames.get(codec);
      if (frame === undefined) {
        const payload = encoded?.has(codec) ? encoded.get(codec) : codec.encode(data);
        const inner = encodeFrame(event, 0, payload);
        const whole = state === undefined ? inner : wrapKept(header, inner);
        frame = this.fitting(event, prepareFrame(whole));
        frames.set(codec, frame);
      }
      if (frame === null) return;
      if (socket.sendPrepared(frame)) sent++;
      else this.registry.closing(socket);
    });
    recordRoomsBroadcast(sent);
    this.keptWrites += sent;
    return sent;
  }

  /**
   * Writes an event to the local members of the target; returns how many got it. The frame is
   * encoded once per payload codec, however the sockets of each codec are interleaved.
   */
  emit(target: EtpBroadcastTarget, event: string, data: unknown): number {
    const encoded = this.payloads.take(event, data);
    let codec: EtpPayloadCodec | undefined;
    // `null`: a frame too large for this instance's gateways, written to nobody.
    let frame: PreparedFrame | null | undefined;
    let frames: Map<EtpPayloadCodec, PreparedFrame | null> | undefined;
    let sent = 0;
    const write = (socket: EtpSocket): void => {
      const socketCodec = socket.codec;
      if (socketCodec !== codec) {
        if (codec !== undefined) (frames ??= new Map()).set(codec, frame!);
        codec = socketCodec;
        frame = frames?.get(socketCodec);
        if (frame === undefined) {
          const payload = encoded?.has(socketCodec)
            ? encoded.get(socketCodec)
            : socketCodec.encode(data);
          frame = this.fitting(event, prepareFrame(encodeFrame(event, 0, payload)));
        }
      }
      if (frame === null) return;
      // A socket that no longer writes is closing: the write itself tells, at no extra cost.
      if (socket.sendPrepared(frame!)) sent++;
      else this.registry.closing(socket);
    };
    this.forEach(target, write);
    recordRoomsBroadcast(sent);
    return sent;
  }

  /**
   * The frame, or `null` when it would close every member as a slow consumer here. The sending
   * instance checked it against its own gateways; one whose gateways allow less gets here.
   */
  private fitting(event: string, frame: PreparedFrame): PreparedFrame | null {
    const limit = this.registry.maxFrameBytes;
    if (frame.wire.length <= limit) return frame;
    logger.warn(new EtpBroadcastTooLargeError(event, frame.wire.length, limit).message);
    return null;
  }

  /** The local members of the target, each once. */
  sockets(target: EtpBroadcastTarget): EtpSocket[] {
    const sockets: EtpSocket[] = [];
    this.forEach(target, (socket) => {
      if (this.registry.isMember(socket)) sockets.push(socket);
    });
    return sockets;
  }

  /** The target's members on this instance, each with its id and rooms. */
  describe(target: EtpBroadcastTarget): EtpSocketDescription[] {
    return this.sockets(target).map((socket) => ({
      id: socket.id,
      rooms: [...this.registry.roomsOf(socket)],
    }));
  }

  /**
   * Puts the local members of the target into rooms; returns how many were left out for being
   * at `maxRoomsPerSocket`. Names shaped like a socket id are skipped (the asking instance
   * refused them already; only a forged request carries one), and nothing here throws: other
   * instances call it from the broker.
   */
  join(target: EtpBroadcastTarget, rooms: readonly string[]): number {
    const named = rooms.filter((room) => !hasSocketIdShape(room));
    let refused = 0;
    for (const socket of this.sockets(target)) {
      try {
        this.registry.join(socket, named);
      } catch (error) {
        if (!(error instanceof EtpRoomLimitError)) throw error;
        refused++;
      }
    }
    if (refused > 0) {
      logger.warn(
        `socketsJoin left out ${refused} socket(s) already in ` +
          `${this.registry.maxRoomsPerSocket} rooms (maxRoomsPerSocket)`,
      );
    }
    return refused;
  }

  /** Makes the target's members on this instance leave `rooms`. */
  leave(target: EtpBroadcastTarget, rooms: readonly string[]): void {
    for (const socket of this.sockets(target)) this.registry.leave(socket, rooms);
  }

  /** Closes the target's connections on this instance. */
  disconnect(target: EtpBroadcastTarget, code: number, reason?: string): void {
    for (const socket of this.sockets(target)) socket.close(code, reason);
  }

  /** Asks each local member for an answer, into `collector`; returns how many were asked. */
  requestAcks(
    target: EtpBroadcastTarget,
    event: string,
    data: unknown,
    timeout: number,
    collector: Pick<AckCollector, 'answer' | 'miss' | 'gone'>,
  ): number {
    let asked = 0;
    const payloads: Map<EtpPayloadCodec, Payload> =
      this.payloads.take(event, data) ?? new Map<EtpPayloadCodec, Payload>();
    this.forEach(target, (socket) => {
      if (!this.registry.isMember(socket)) return;
      asked++;
      const codec = socket.codec;
      let payload;
      if (payloads.has(codec)) {
        payload = payloads.get(codec);
      } else {
        try {
          payload = codec.encode(data);
        } catch {
          collector.miss();
          return;
        }
        payloads.set(codec, payload);
      }
      socket.requestAck(event, payload, { timeout }).then(
        (answer) => collector.answer(answer),
        (error: unknown) => {
          if (error instanceof EtpConnectionClosedError) collector.gone();
          else if (error instanceof EtpAckTimeoutError) collector.miss();
          else collector.miss();
        },
      );
    });
    return asked;
  }

  /**
   * Visits each member of the target once, closing ones included: whoever visits checks
   * `registry.isMember`, or has a write tell it, as `emit` does.
   */
  private forEach(target: EtpBroadcastTarget, visit: (socket: EtpSocket) => void): void {
    const registry = this.registry;
    const excluded = this.excluded(target.except);
    const rooms = target.rooms;
    if (rooms === undefined) {
      for (const socket of registry.all()) {
        if (excluded === undefined || !excluded.has(socket)) visit(socket);
      }
      return;
    }
    if (rooms.length === 1) {
      const members = registry.members(rooms[0]);
      if (members === undefined) return;
      for (const socket of members) {
        if (excluded === undefined || !excluded.has(socket)) visit(socket);
      }
      return;
    }
    const seen = new Set<EtpSocket>(excluded);
    for (const room of rooms) {
      const members = registry.members(room);
      if (members === undefined) continue;
      for (const socket of members) {
        if (seen.has(socket)) continue;
        seen.add(socket);
        visit(socket);
      }
    }
  }

  private excluded(except: readonly string[]): Set<EtpSocket> | undefined {
    if (except.length === 0) return undefined;
    const excluded = new Set<EtpSocket>();
    for (const room of except) {
      const members = this.registry.members(room);
      if (members !== undefined) for (const socket of members) excluded.add(socket);
    }
    return excluded;
  }
}
