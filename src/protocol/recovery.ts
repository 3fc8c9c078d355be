import { base64urlDecode, base64urlEncode } from './base64url.js';
import { utf8Encode } from './utf8.js';

// The wire of connection-state recovery, an opt-in extension of ETP under reserved `__etp_`
// event names: the handshake parameter a client presents, the frames a server sends it, and
// their parsers. Pure: the server and both clients (Node and browser) use it.

/** The handshake query parameter of a client that speaks the extension. */
export const RECOVERY_QUERY = '__etp_recovery';
/** Its value for a client with nothing to recover. */
export const RECOVERY_NOTHING = '1';

/** What a server takes of a handshake value; anything else counts as `1`. */
export const RECOVERY_LIMITS = Object.freeze({
  /** Characters of the parameter's value. */
  valueLength: 16 * 1024,
  /** Rooms presented. */
  rooms: 256,
  /** UTF-8 bytes of a room name. */
  roomBytes: 1024,
  /** Characters of an epoch. */
  epochLength: 64,
});

/** A position in a room's history: `[room, epoch, offset]`, as the wire writes it. */
export type RecoveryPosition = readonly [room: string, epoch: string, offset: number];

/** What a reconnecting client presents: its previous socket id and its positions. */
export interface RecoveryState {
  readonly id: string | undefined;
  readonly positions: readonly RecoveryPosition[];
}

const NOTHING: RecoveryState = Object.freeze({ id: undefined, positions: Object.freeze([]) });
const SOCKET_ID = /^[0-9a-f]{32}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The handshake value for `state`: `1` when it presents no position, or when it would break the
 * server's bounds (the server would count it as `1` anyway), else base64url of its UTF-8 JSON.
 */
export function encodeRecoveryState(state: RecoveryState): string {
  const { id, positions } = state;
  if (positions.length === 0 || positions.length > RECOVERY_LIMITS.rooms) return RECOVERY_NOTHING;
  if (id !== undefined && !isSocketId(id)) return RECOVERY_NOTHING;
  if (!positions.every((position) => asPosition(position) !== undefined)) return RECOVERY_NOTHING;
  const value = base64urlEncode(utf8Encode(JSON.stringify({ id, p: positions })));
  return value.length > RECOVERY_LIMITS.valueLength ? RECOVERY_NOTHING : value;
}

/**
 * A handshake value, checked against every bound: `undefined` for anything but `1` or a state
 * within them (a room presented twice included). Never throws. Keys other than `id` and `p` are
 * ignored, so that a later client may say more to this server.
 */
export function decodeRecoveryState(value: string): RecoveryState | undefined {
  if (value === RECOVERY_NOTHING) return NOTHING;
  if (value.length > RECOVERY_LIMITS.valueLength) return undefined;
  const bytes = base64urlDecode(value);
  const json = bytes === undefined ? undefined : parseJson(bytes, 0, bytes.length);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const { id, p } = json as { id?: unknown; p?: unknown };
  if (id !== undefined && !isSocketId(id)) return undefined;
  if (!Array.isArray(p) || p.length > RECOVERY_LIMITS.rooms) return undefined;
  const positions: RecoveryPosition[] = [];
  const rooms = new Set<string>();
  for (const entry of p) {
    const position = asPosition(entry);
    if (position === undefined || rooms.has(position[0])) return undefined;
    rooms.add(position[0]);
    positions.push(position);
  }
  return { id, positions };
}

// Server → client frames. Ack id 0 always; sent only to a connection that asked.

const HELLO = '__etp_hello||0||';
const POSITION = '__etp_pos||0||';
const LEAVE = '__etp_leave||0||';
const KEPT = '__etp_b||0||';

/** The first frame of an opted-in connection: whether it recovered, and its socket id. */
export function encodeHello(recovered: boolean, id: string): string {
  return HELLO + JSON.stringify({ recovered, id });
}

/** The socket's position in a room it joined (or whose catch-up finished). */
export function encodePosition(room: string, epoch: string, offset: number): string {
  return POSITION + JSON.stringify([room, epoch, offset]);
}

/** The socket left a room: its client forgets its position there. */
export function encodeLeave(room: string): string {
  return LEAVE + JSON.stringify([room]);
}

/** The header of a kept broadcast, newline included; `wrapKept` puts the inner frame after it. */
export function keptHeader(room: string, epoch: string, offset: number): string {
  // JSON escapes every newline inside strings: the first 0x0A ends the header.
  return `${KEPT}${JSON.stringify([room, epoch, offset])}\n`;
}

/** A kept broadcast: the header, then the frame a plain client gets, text or bytes as it is. */
export function wrapKept(header: string, inner: string | Uint8Array): string | Uint8Array {
  if (typeof inner === 'string') return header + inner;
  const head = utf8Encode(header);
  const whole = new Uint8Array(head.length + inner.length);
  whole.set(head);
  whole.set(inner, head.length);
  return whole;
}

// Their parsers, for the clients. Each takes a whole message and checks its shape strictly;
// `undefined` for anything else, never a throw.

/** `__etp_hello`: whether the connection recovered, and its socket id. */
export interface RecoveryHello {
  readonly kind: 'hello';
  readonly recovered: boolean;
  readonly id: string;
}

/** `__etp_pos`: the connection's position in a room now. */
export interface RecoveryPositionFrame {
  readonly kind: 'position';
  readonly room: string;
  readonly epoch: string;
  readonly offset: number;
}

/** `__etp_leave`: the connection left a room. */
export interface RecoveryLeave {
  readonly kind: 'leave';
  readonly room: string;
}

/** `__etp_b`: a kept broadcast at a position, and the frame a plain client would get for it. */
export interface RecoveryKept {
  readonly kind: 'kept';
  readonly room: string;
  readonly epoch: string;
  readonly offset: number;
  /** The inner frame's bytes (a view of the message). */
  readonly inner: Uint8Array;
}

export type RecoveryFrame = RecoveryHello | RecoveryPositionFrame | RecoveryLeave | RecoveryKept;

const PREFIX = bytesOf('__etp_');
const HELLO_BYTES = bytesOf(HELLO);
const POSITION_BYTES = bytesOf(POSITION);
const LEAVE_BYTES = bytesOf(LEAVE);
const KEPT_BYTES = bytesOf(KEPT);
const KNOWN_EVENTS = ['__etp_b', '__etp_hello', '__etp_pos', '__etp_leave'].map(bytesOf);
const NEWLINE = 0x0a;
const PIPE = 0x7c;

/** Whether a message belongs to the extension: its event name starts with `__etp_`. */
export function isRecoveryFrame(bytes: Uint8Array): boolean {
  return startsWith(bytes, PREFIX);
}

/** Any extension frame this version knows; `undefined` for an unknown or malformed one. */
export function parseRecoveryFrame(bytes: Uint8Array): RecoveryFrame | undefined {
  return parseKept(bytes) ?? parseHello(bytes) ?? parsePosition(bytes) ?? parseLeave(bytes);
}

/** Whether the event of an extension frame is one this version knows (well-formed or not). */
export function isKnownRecoveryFrame(bytes: Uint8Array): boolean {
  return KNOWN_EVENTS.some(
    (event) =>
      startsWith(bytes, event) &&
      (bytes.length === event.length ||
        (bytes[event.length] === PIPE && bytes[event.length + 1] === PIPE)),
  );
}

export function parseHello(bytes: Uint8Array): RecoveryHello | undefined {
  if (!startsWith(bytes, HELLO_BYTES)) return undefined;
  const json = parseJson(bytes, HELLO_BYTES.length, bytes.length);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const { recovered, id } = json as { recovered?: unknown; id?: unknown };
  if (typeof recovered !== 'boolean' || !isSocketId(id)) return undefined;
  return { kind: 'hello', recovered, id };
}

export function parsePosition(bytes: Uint8Array): RecoveryPositionFrame | undefined {
  if (!startsWith(bytes, POSITION_BYTES)) return undefined;
  const position = asWirePosition(parseJson(bytes, POSITION_BYTES.length, bytes.length));
  if (position === undefined) return undefined;
  const [room, epoch, offset] = position;
  return { kind: 'position', room, epoch, offset };
}

export function parseLeave(bytes: Uint8Array): RecoveryLeave | undefined {
  if (!startsWith(bytes, LEAVE_BYTES)) return undefined;
  const json = parseJson(bytes, LEAVE_BYTES.length, bytes.length);
  if (!Array.isArray(json) || json.length !== 1 || typeof json[0] !== 'string') return undefined;
  return { kind: 'leave', room: json[0] };
}

export function parseKept(bytes: Uint8Array): RecoveryKept | undefined {
  if (!startsWith(bytes, KEPT_BYTES)) return undefined;
  const end = bytes.indexOf(NEWLINE, KEPT_BYTES.length);
  if (end < 0 || end === bytes.length - 1) return undefined;
  const position = asWirePosition(parseJson(bytes, KEPT_BYTES.length, end));
  if (position === undefined) return undefined;
  const [room, epoch, offset] = position;
  return { kind: 'kept', room, epoch, offset, inner: bytes.subarray(end + 1) };
}

/** A position within every bound of the handshake. */
function asPosition(value: unknown): RecoveryPosition | undefined {
  const position = asWirePosition(value);
  if (position === undefined || utf8Length(position[0]) > RECOVERY_LIMITS.roomBytes) {
    return undefined;
  }
  return position;
}

/**
 * A position as a server frame carries it. Room names are the application's and have no bound
 * of their own there (the message size bounds them): a client must not drop a broadcast for a
 * long name, it only cannot present that room.
 */
function asWirePosition(value: unknown): RecoveryPosition | undefined {
  if (!Array.isArray(value) || value.length !== 3) return undefined;
  const [room, epoch, offset] = value as unknown[];
  if (typeof room !== 'string' || !isEpoch(epoch) || !isOffset(offset)) return undefined;
  return [room, epoch, offset];
}

function isEpoch(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length > 0 && value.length <= RECOVERY_LIMITS.epochLength
  );
}

function isOffset(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isSocketId(value: unknown): value is string {
  return typeof value === 'string' && SOCKET_ID.test(value);
}

/** JSON of UTF-8 bytes; `undefined` for invalid UTF-8 or invalid JSON. */
function parseJson(bytes: Uint8Array, start: number, end: number): unknown {
  try {
    return JSON.parse(strictUtf8.decode(bytes.subarray(start, end))) as unknown;
  } catch {
    return undefined;
  }
}

/** UTF-8 length of a string without encoding it (a lone surrogate counts as U+FFFD's 3). */
function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

function bytesOf(ascii: string): Uint8Array {
  return Uint8Array.from(ascii, (char) => char.charCodeAt(0));
}
