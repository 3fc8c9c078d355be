import { randomBytes } from 'node:crypto';
import type {
  EtpHistorySlice,
  EtpKeptBroadcast,
  EtpPosition,
  EtpRecoveryOptions,
} from './broker-types.js';

interface Entry {
  readonly time: number;
  readonly kept: EtpKeptBroadcast;
}

/** One room's kept broadcasts: those of offsets `first` … `offset`, oldest first. */
interface Room {
  readonly epoch: string;
  /** The offset of the last broadcast kept (0: none yet). */
  offset: number;
  /** When the last one was kept (or the history started). */
  touched: number;
  entries: Entry[];
  /** Index of the oldest entry still kept: trimming moves it, compacting resets it. */
  start: number;
}

/** How many rooms' staleness one append or read looks at: memory goes back a little each time. */
const SWEEP = 4;

/**
 * The kept broadcasts of each room of one process, for `EtpInMemoryBroker`: at most
 * `maxMessages` per room, none older than `maxDisconnection`. Trimmed when a room is appended
 * to or read, never by a timer. A room with no member here and nothing kept for
 * `maxDisconnection` (no broadcast, no member leaving) has nothing left to recover and is
 * forgotten, epoch and all, by the next appends and reads (a few stale rooms each), so rooms
 * that fell quiet cost nothing for long. An epoch is random, made when a room's
 * history starts: after a restart of the process, or once the room was forgotten, positions of
 * the old one are told apart.
 */
export class RoomHistories {
  /** Least recently touched first: Map keeps the order of insertion. */
  private readonly rooms = new Map<string, Room>();

  constructor(
    private readonly options: EtpRecoveryOptions,
    /** Whether a room has members here: such a room is never forgotten. */
    private readonly held: (room: string) => boolean = () => false,
    private readonly now: () => number = Date.now,
  ) {}

  /** How many rooms are remembered now. */
  get size(): number {
    return this.rooms.size;
  }

  /** Keeps one room's copy of a broadcast; returns it with its offset, and its position. */
  append(
    room: string,
    broadcast: Omit<EtpKeptBroadcast, 'room' | 'offset'>,
  ): { kept: EtpKeptBroadcast; position: EtpPosition } {
    const now = this.now();
    const history = this.room(room, now);
    history.offset++;
    this.touch(room, history, now);
    const kept: EtpKeptBroadcast = { ...broadcast, room, offset: history.offset };
    history.entries.push({ time: now, kept });
    this.trim(history, now);
    this.sweep(now);
    return { kept, position: { epoch: history.epoch, offset: history.offset } };
  }

  /** A room lost its last member here: one may come back for it until `maxDisconnection`. */
  left(room: string): void {
    const history = this.rooms.get(room);
    if (history !== undefined) this.touch(room, history, this.now());
  }

  /** What the room kept after `since`; see `EtpBroker.history`. */
  slice(room: string, since: EtpPosition | undefined): EtpHistorySlice | undefined {
    const now = this.now();
    this.sweep(now);
    const history = this.room(room, now);
    this.trim(history, now);
    const position = { epoch: history.epoch, offset: history.offset };
    if (since === undefined) return { position, kept: [] };
    if (since.epoch !== history.epoch || since.offset > history.offset) return undefined;
    if (since.offset === history.offset) return { position, kept: [] };
    const kept = history.entries.length - history.start;
    const first = history.offset - kept + 1;
    // The broadcast right after `since` must still be here: otherwise some were trimmed.
    if (since.offset + 1 < first) return undefined;
    const from = history.start + (since.offset + 1 - first);
    return { position, kept: history.entries.slice(from).map((entry) => entry.kept) };
  }

  private room(name: string, now: number): Room {
    let room = this.rooms.get(name);
    if (room === undefined) {
      room = {
        epoch: randomBytes(16).toString('hex'),
        offset: 0,
        touched: now,
        entries: [],
        start: 0,
      };
      this.rooms.set(name, room);
    }
    return room;
  }

  private touch(name: string, room: Room, now: number): void {
    room.touched = now;
    this.rooms.delete(name);
    this.rooms.set(name, room);
  }

  private trim(room: Room, now: number): void {
    const { maxMessages, maxDisconnection } = this.options;
    const oldest = now - maxDisconnection;
    const { entries } = room;
    let start = Math.max(room.start, entries.length - maxMessages);
    while (start < entries.length && entries[start].time < oldest) start++;
    if (start === entries.length) {
      room.entries = [];
      room.start = 0;
    } else if (start >= 64 && start * 2 >= entries.length) {
      room.entries = entries.slice(start);
      room.start = 0;
    } else {
      room.start = start;
    }
  }

  /** Forgets the few least recently touched rooms that have nothing left to recover. */
  private sweep(now: number): void {
    const oldest = now - this.options.maxDisconnection;
    let looked = 0;
    for (const [name, room] of this.rooms) {
      if (looked++ >= SWEEP || room.touched >= oldest) return;
      if (this.held(name)) this.touch(name, room, now);
      else this.rooms.delete(name);
    }
  }
}
