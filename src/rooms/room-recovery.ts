import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import { encodeFrame } from '../protocol/frame.js';
import { escapeLogText, peerReports } from '../protocol/log-limit.js';
import {
  RECOVERY_QUERY,
  decodeRecoveryState,
  encodeLeave,
  encodePosition,
  keptHeader,
  wrapKept,
} from '../protocol/recovery.js';
import type { EtpSocket } from '../server/etp-socket.js';
import type {
  EtpBroadcastTarget,
  EtpHistorySlice,
  EtpKeptBroadcast,
  EtpPosition,
  EtpRecoveryOptions,
} from './broker-types.js';
import type { EtpBroker } from './etp-broker.js';
import type { MembershipObserver, RoomRegistry } from './room-registry.js';
import { SocketRecovery, type CatchUpStart, type HeldBroadcast } from './socket-recovery.js';

/** How long reading a room's history may take, at the handshake or at a join. */
const HISTORY_TIMEOUT = 10_000;
/** The close of a connection whose recovery was promised and then could not be done. */
export const RECOVERY_FAILED_CLOSE = { code: 1011, reason: 'recovery failed' } as const;

const logger = new Logger('EtpRecovery');

/**
 * Connection-state recovery for the whole application: it reads what a reconnecting client
 * missed before its connection is accepted (so `socket.recovered` is known in
 * `handleConnection`), and when the socket joins a room it catches it up — what it missed, then
 * what arrived meanwhile, then live — with the position frames of the extension. Only clients
 * that asked for the extension in their handshake take part; the others never see its frames.
 */
export class RoomRecovery implements MembershipObserver {
  private readonly broker: Required<Pick<EtpBroker, 'history' | 'publishKept'>> & EtpBroker;
  private readonly states = new WeakMap<EtpSocket, SocketRecovery>();

  constructor(
    broker: EtpBroker,
    readonly options: EtpRecoveryOptions,
    private readonly registry: RoomRegistry,
  ) {
    if (broker.history === undefined || broker.publishKept === undefined) {
      throw new Error(
        `recovery needs a broker that keeps history; ${broker.constructor.name} does not`,
      );
    }
    this.broker = broker as typeof this.broker;
    broker.keepHistory?.(options);
  }

  /**
   * What a handshake asks of recovery: `undefined` for a client that did not ask for the
   * extension (nothing is read, nothing changes for it); otherwise its state, once the
   * history of every room it presented was read. Never rejects.
   */
  admit(request: IncomingMessage): Promise<SocketRecovery> | undefined {
    const value = queryValue(request.url, RECOVERY_QUERY);
    if (value === undefined) return undefined;
    const state = decodeRecoveryState(value);
    if (state === undefined && peerReports.allow(request, logger)) {
      logger.warn(`Ignored a malformed ${RECOVERY_QUERY} handshake parameter`);
    }
    const positions = new Map<string, EtpPosition>();
    for (const [room, epoch, offset] of state?.positions ?? []) {
      positions.set(room, { epoch, offset });
    }
    const id = state?.id;
    if (positions.size === 0) return Promise.resolve(this.state(false, id, positions, new Map()));
    return this.prefetch(positions).then((slices) =>
      this.state(slices.size === positions.size, id, positions, slices),
    );
  }

  /** The connection opened: `admitted` is what `admit` resolved with for its handshake. */
  connected(socket: EtpSocket, admitted: unknown): void {
    if (admitted instanceof SocketRecovery) this.states.set(socket, admitted);
  }

  /** The connection ended: what was kept for it goes. */
  disconnected(socket: EtpSocket): void {
    this.states.get(socket)?.clear();
    this.states.delete(socket);
  }

  /** The recovery state of a socket whose client asked for the extension. */
  stateOf(socket: EtpSocket): SocketRecovery | undefined {
    return this.states.get(socket);
  }

  /** An opted-in socket joined rooms it was not in: each is caught up, then goes live. */
  joined(socket: EtpSocket, rooms: readonly string[]): void {
    const state = this.states.get(socket);
    if (state === undefined) return;
    for (const room of rooms) {
      if (state.isHolding(room)) continue;
      state.startHolding(room);
      void this.catchUp(socket, state, room);
    }
  }

  /** An opted-in socket left rooms while open: its client forgets its positions there. */
  left(socket: EtpSocket, rooms: readonly string[]): void {
    if (!this.states.has(socket) || !socket.connected) return;
    for (const room of rooms) socket.sendFrame(encodeLeave(room));
  }

  /** Whether a kept broadcast's target leaves this socket out (by its rooms, id or previous id). */
  excludes(socket: EtpSocket, target: EtpBroadcastTarget): boolean {
    const except = target.except;
    if (except.length === 0) return false;
    const rooms = this.registry.roomsOf(socket);
    const previous = this.states.get(socket)?.previousId;
    for (const name of except) {
      if (name === socket.id || name === previous || rooms.has(name)) return true;
    }
    return false;
  }

  private state(
    recovered: boolean,
    id: string | undefined,
    positions: Map<string, EtpPosition>,
    slices: Map<string, EtpHistorySlice>,
  ): SocketRecovery {
    return new SocketRecovery(recovered, id, positions, slices, this.options.maxMessages);
  }

  /** The history of each presented room after its position; a room that cannot say is left out. */
  private async prefetch(
    positions: Map<string, EtpPosition>,
  ): Promise<Map<string, EtpHistorySlice>> {
    const slices = new Map<string, EtpHistorySlice>();
    await Promise.all(
      [...positions].map(async ([room, position]) => {
        const slice = await this.read(room, position);
        if (slice !== undefined) slices.set(room, slice);
      }),
    );
    return slices;
  }

  private async catchUp(socket: EtpSocket, state: SocketRecovery, room: string): Promise<void> {
    const start = state.start(room);
    let slice: EtpHistorySlice | undefined;
    try {
      await this.broker.listening?.(room);
      slice = await this.read(room, start.since);
    } catch (error) {
      logger.warn(`Reading the history of a room failed: ${(error as Error)?.message}`);
    }
    const held = state.stopHolding(room);
    if (!socket.connected) return;
    if (held === undefined || slice === undefined) {
      this.failed(socket, state, start, held ?? [], room);
      return;
    }
    // The prefetched entries follow the presented position, the read ones follow them; a
    // client starting over in the room has nothing of it.
    let last = start.since === undefined ? 0 : (start.presented?.offset ?? 0);
    let epoch = slice.position.epoch;
    for (const kept of [...start.prefetched, ...slice.kept]) {
      if (kept.offset <= last) continue;
      last = kept.offset;
      if (!this.excludes(socket, kept.target)) this.write(socket, kept, { epoch, offset: last });
    }
    if (slice.position.offset > last) last = slice.position.offset;
    for (const one of held) {
      // A broadcast already read from history, unless the client had no position here: then
      // everything that arrived since the join is new to it.
      const seen = start.since !== undefined && one.position.epoch === epoch;
      if (seen && one.position.offset <= last) continue;
      this.write(socket, one.kept, one.position);
      if (one.position.epoch !== epoch || one.position.offset > last) {
        ({ epoch, offset: last } = one.position);
      }
    }
    socket.sendFrame(encodePosition(room, epoch, last));
  }

  /**
   * The catch-up could not be done. A client told `recovered: true` for this room would
   * otherwise have a silent gap: its connection is closed, and it reconnects to be told the
   * truth. Any other client gets what arrived since the join.
   */
  private failed(
    socket: EtpSocket,
    state: SocketRecovery,
    start: CatchUpStart,
    held: readonly HeldBroadcast[],
    room: string,
  ): void {
    if (start.presented !== undefined && state.recovered) {
      logger.warn(
        `Could not catch up a recovered connection in room "${escapeLogText(room, 100)}": ` +
          `closed it [socket ${socket.id}]`,
      );
      socket.close(RECOVERY_FAILED_CLOSE.code, RECOVERY_FAILED_CLOSE.reason);
      return;
    }
    for (const one of held) this.write(socket, one.kept, one.position);
  }

  private write(socket: EtpSocket, kept: EtpKeptBroadcast, position: EtpPosition): void {
    let inner: string | Uint8Array;
    try {
      inner = encodeFrame(kept.event, 0, socket.codec.encode(kept.data));
    } catch (error) {
      logger.warn(`A kept broadcast could not be encoded: ${(error as Error)?.message}`);
      return;
    }
    socket.sendFrame(wrapKept(keptHeader(kept.room, position.epoch, position.offset), inner));
  }

  private async read(
    room: string,
    since: EtpPosition | undefined,
  ): Promise<EtpHistorySlice | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), HISTORY_TIMEOUT);
    });
    try {
      // A broker of the application's may throw at once, or return anything: that is a read that
      // failed too, never a refused handshake.
      const reading = Promise.resolve()
        .then(() => this.broker.history(room, since))
        .catch(() => undefined);
      return await Promise.race([reading, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** One query parameter of a request URL, without parsing the rest of it. */
function queryValue(url: string | undefined, name: string): string | undefined {
  const start = url?.indexOf('?') ?? -1;
  if (start < 0) return undefined;
  const value = new URLSearchParams(url!.slice(start + 1)).get(name);
  return value ?? undefined;
}
