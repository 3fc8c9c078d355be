import { randomBytes } from 'node:crypto';
import {
  RECOVERY_LIMITS,
  RECOVERY_QUERY,
  decodeRecoveryState,
  encodeHello,
  encodeLeave,
  encodePosition,
  encodeRecoveryState,
  isKnownRecoveryFrame,
  isRecoveryFrame,
  keptHeader,
  parseHello,
  parseKept,
  parseLeave,
  parsePosition,
  parseRecoveryFrame,
  wrapKept,
  type RecoveryPosition,
} from '../../../src/protocol/recovery.js';

const ID = '0123456789abcdef0123456789abcdef';
const bytes = (frame: string | Uint8Array): Uint8Array =>
  typeof frame === 'string' ? Buffer.from(frame, 'utf8') : frame;
/** A handshake value as any client would write it: base64url of the UTF-8 JSON text. */
const valueOf = (json: string): string => Buffer.from(json, 'utf8').toString('base64url');
const stateValue = (state: unknown): string => valueOf(JSON.stringify(state));
const rooms = (count: number): RecoveryPosition[] =>
  Array.from({ length: count }, (_, i) => [`r${i}`, 'e', i] as const);

describe('the handshake state', () => {
  it('is read from the query parameter __etp_recovery; 1 says there is nothing to recover', () => {
    expect(RECOVERY_QUERY).toBe('__etp_recovery');
    expect(decodeRecoveryState('1')).toEqual({ id: undefined, positions: [] });
  });

  it('round-trips, with room names of every kind, and reads as the server test writes it', () => {
    const positions: RecoveryPosition[] = [
      ['chat', 'a'.repeat(32), 0],
      ['ünïcødé 😀', 'e', Number.MAX_SAFE_INTEGER],
      ['line\nbreak "quoted" \\', 'e2', 7],
      ['', 'x', 1],
    ];
    const value = encodeRecoveryState({ id: ID, positions });
    expect(value).toBe(stateValue({ id: ID, p: positions }));
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeRecoveryState(value)).toEqual({ id: ID, positions });
    const anonymous = encodeRecoveryState({ id: undefined, positions });
    expect(decodeRecoveryState(anonymous)).toEqual({ id: undefined, positions });
  });

  it('is 1 when there is no position, or more than the server takes', () => {
    expect(encodeRecoveryState({ id: ID, positions: [] })).toBe('1');
    expect(encodeRecoveryState({ id: ID, positions: rooms(257) })).toBe('1');
    expect(encodeRecoveryState({ id: 'NOT-AN-ID', positions: rooms(1) })).toBe('1');
    expect(encodeRecoveryState({ id: ID, positions: [['x'.repeat(1025), 'e', 1]] })).toBe('1');
    const long = Array.from({ length: 20 }, (_, i) => [`${i}${'y'.repeat(1000)}`, 'e', 1] as const);
    expect(encodeRecoveryState({ id: ID, positions: long })).toBe('1');
  });

  it('takes a value of 16 KiB, not one character more', () => {
    // Padding in a key the decoder ignores: only the length of the value is at stake.
    const padded = (jsonBytes: number): string => {
      const head = '{"p":[],"x":"';
      return valueOf(head + 'z'.repeat(jsonBytes - head.length - 2) + '"}');
    };
    expect(padded(12_288).length).toBe(RECOVERY_LIMITS.valueLength);
    expect(decodeRecoveryState(padded(12_288))).toEqual({ id: undefined, positions: [] });
    expect(padded(12_291).length).toBe(RECOVERY_LIMITS.valueLength + 4);
    expect(decodeRecoveryState(padded(12_291))).toBeUndefined();
  });

  it('takes 256 rooms, not 257', () => {
    expect(decodeRecoveryState(stateValue({ p: rooms(256) }))?.positions).toHaveLength(256);
    expect(decodeRecoveryState(stateValue({ p: rooms(257) }))).toBeUndefined();
  });

  it('takes a room name of 1 KiB of UTF-8, not a byte more', () => {
    for (const room of [
      'a'.repeat(1024),
      'é'.repeat(512),
      '😀'.repeat(256),
      '€'.repeat(341) + 'a',
    ]) {
      expect(decodeRecoveryState(stateValue({ p: [[room, 'e', 1]] }))?.positions).toEqual([
        [room, 'e', 1],
      ]);
    }
    for (const room of ['a'.repeat(1025), 'é'.repeat(512) + 'a', '😀'.repeat(256) + 'a']) {
      expect(decodeRecoveryState(stateValue({ p: [[room, 'e', 1]] }))).toBeUndefined();
    }
    // A lone surrogate (written escaped) counts as the 3 bytes of U+FFFD.
    const lone = valueOf(`{"p":[["${'a'.repeat(1022)}\\ud800","e",1]]}`);
    expect(decodeRecoveryState(lone)).toBeUndefined();
  });

  it('takes an epoch of 1 to 64 characters', () => {
    expect(decodeRecoveryState(stateValue({ p: [['r', 'e'.repeat(64), 1]] }))).toBeDefined();
    for (const epoch of ['e'.repeat(65), '', 7, null, ['e']]) {
      expect(decodeRecoveryState(stateValue({ p: [['r', epoch, 1]] }))).toBeUndefined();
    }
  });

  it('takes an offset that is a safe non-negative integer', () => {
    for (const offset of [0, 1, Number.MAX_SAFE_INTEGER]) {
      expect(decodeRecoveryState(stateValue({ p: [['r', 'e', offset]] }))?.positions).toEqual([
        ['r', 'e', offset],
      ]);
    }
    for (const offset of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, '1', null, true, [1], 1e300]) {
      expect(decodeRecoveryState(stateValue({ p: [['r', 'e', offset]] }))).toBeUndefined();
    }
    // Written as text, past what a double holds exactly.
    expect(decodeRecoveryState(valueOf('{"p":[["r","e",9007199254740993]]}'))).toBeUndefined();
  });

  it('takes an id of 32 lowercase hex digits, or none', () => {
    expect(decodeRecoveryState(stateValue({ id: ID, p: [] }))).toEqual({ id: ID, positions: [] });
    for (const id of [ID.toUpperCase(), ID.slice(1), `${ID}0`, `${ID.slice(1)}g`, 42, null, '']) {
      expect(decodeRecoveryState(stateValue({ id, p: [] }))).toBeUndefined();
    }
  });

  it('refuses every other shape, and never throws', () => {
    const hostile = [
      '',
      '0',
      '%%%not-base64',
      'eyJwIjpbXX0=',
      Buffer.from('{"p":[]}').toString('base64'),
      Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64url'),
      valueOf('{"p":[]'),
      valueOf('[]'),
      valueOf('null'),
      valueOf('42'),
      valueOf('"1"'),
      valueOf('{}'),
      valueOf('{"p":{}}'),
      valueOf('{"p":"r"}'),
      valueOf('{"p":[["r","e"]]}'),
      valueOf('{"p":[["r","e",1,2]]}'),
      valueOf('{"p":[[1,"e",1]]}'),
      valueOf('{"p":[null]}'),
      valueOf('{"p":[["r","e",1],["r","f",2]]}'),
      valueOf('{"__proto__":{"p":[]}}'),
    ];
    for (const value of hostile) expect(decodeRecoveryState(value)).toBeUndefined();
    for (let i = 0; i < 500; i++) {
      const noise = randomBytes(i % 64).toString(i % 2 === 0 ? 'base64url' : 'latin1');
      expect(() => decodeRecoveryState(noise)).not.toThrow();
    }
  });

  it('ignores keys it does not know, for a later client', () => {
    const value = stateValue({ id: ID, p: [['r', 'e', 3]], v: 2, more: { a: 1 } });
    expect(decodeRecoveryState(value)).toEqual({ id: ID, positions: [['r', 'e', 3]] });
  });
});

describe('the server frames', () => {
  it('are written byte for byte as the contract says', () => {
    expect(encodeHello(true, ID)).toBe(`__etp_hello||0||{"recovered":true,"id":"${ID}"}`);
    expect(encodePosition('prices', 'e1', 41)).toBe('__etp_pos||0||["prices","e1",41]');
    expect(encodeLeave('prices')).toBe('__etp_leave||0||["prices"]');
    const header = keptHeader('prices', 'e1', 42);
    expect(header).toBe('__etp_b||0||["prices","e1",42]\n');
    expect(wrapKept(header, 'price||0||12.5')).toBe(`${header}price||0||12.5`);
    const inner = Uint8Array.from([0x62, 0x7c, 0x7c, 0x30, 0x7c, 0x7c, 0x00, 0x0a, 0xff]);
    expect(Buffer.from(wrapKept(header, inner))).toEqual(
      Buffer.concat([Buffer.from(header), inner]),
    );
  });

  it('are read back by their parsers', () => {
    expect(parseRecoveryFrame(bytes(encodeHello(false, ID)))).toEqual({
      kind: 'hello',
      recovered: false,
      id: ID,
    });
    const room = 'a "room"\nwith 😀';
    expect(parseRecoveryFrame(bytes(encodePosition(room, 'e1', 0)))).toEqual({
      kind: 'position',
      room,
      epoch: 'e1',
      offset: 0,
    });
    expect(parseRecoveryFrame(bytes(encodeLeave(room)))).toEqual({ kind: 'leave', room });
    const text = parseRecoveryFrame(bytes(wrapKept(keptHeader(room, 'e1', 9), 'ev||0||a\nb')));
    expect(text).toMatchObject({ kind: 'kept', room, epoch: 'e1', offset: 9 });
    expect(Buffer.from((text as { inner: Uint8Array }).inner).toString()).toBe('ev||0||a\nb');
    const inner = Uint8Array.from([0x62, 0x7c, 0x7c, 0x30, 0x7c, 0x7c, 0x0a, 0x00, 0xff]);
    const binary = parseKept(bytes(wrapKept(keptHeader('r', 'e', 1), inner)));
    expect(binary?.inner).toEqual(inner);
  });

  it('are told from other frames by their reserved prefix', () => {
    expect(isRecoveryFrame(bytes('__etp_anything'))).toBe(true);
    for (const frame of ['__ack_x||1||', '__et', 'etp_x||0||', '_etp_x||0||', '']) {
      expect(isRecoveryFrame(bytes(frame))).toBe(false);
    }
  });

  it('drop every malformed one, and never throw', () => {
    const malformed = [
      '__etp_hello||0||',
      '__etp_hello||1||{"recovered":true,"id":"' + ID + '"}',
      '__etp_hello||0||{"recovered":"true","id":"' + ID + '"}',
      '__etp_hello||0||{"recovered":true,"id":"' + ID.toUpperCase() + '"}',
      '__etp_hello||0||{"recovered":true}',
      '__etp_hello||0||[true,"' + ID + '"]',
      '__etp_hello||0||null',
      '__etp_hello||0||{"recovered":true,"id":"' + ID + '"',
      '__etp_pos||0||["r","e"]',
      '__etp_pos||0||["r","e",1,1]',
      '__etp_pos||0||["r","e",-1]',
      '__etp_pos||0||["r","e",1.5]',
      '__etp_pos||0||["r","e",9007199254740993]',
      '__etp_pos||0||["r","' + 'e'.repeat(65) + '",1]',
      '__etp_pos||0||["r","",1]',
      '__etp_pos||0||[1,"e",1]',
      '__etp_pos||0||{"room":"r"}',
      '__etp_pos||00||["r","e",1]',
      '__etp_pos||0',
      '__etp_leave||0||[]',
      '__etp_leave||0||["a","b"]',
      '__etp_leave||0||[1]',
      '__etp_leave||0||"r"',
      '__etp_b||0||["r","e",1]',
      '__etp_b||0||["r","e",1]\n',
      '__etp_b||0||["r","e"]\nev||0',
      '__etp_b||0||["r","e",1\n]ev||0',
      '__etp_b||0||\nev||0',
      '__etp_b||1||["r","e",1]\nev||0',
    ];
    for (const frame of malformed) {
      expect(parseRecoveryFrame(bytes(frame))).toBeUndefined();
      expect(isKnownRecoveryFrame(bytes(frame))).toBe(true);
    }
    const badUtf8 = Buffer.concat([
      Buffer.from('__etp_pos||0||["'),
      Buffer.from([0xff]),
      Buffer.from('","e",1]'),
    ]);
    expect(parsePosition(badUtf8)).toBeUndefined();
    for (let i = 0; i < 500; i++) {
      const prefix = ['__etp_hello||0||', '__etp_pos||0||', '__etp_leave||0||', '__etp_b||0||'][
        i % 4
      ];
      const noise = Buffer.concat([Buffer.from(prefix), randomBytes(i % 40)]);
      expect(() => parseRecoveryFrame(noise)).not.toThrow();
    }
  });

  it('leave unknown ones to a later version: not parsed, not known', () => {
    const unknown = bytes('__etp_future||0||{"x":1}');
    expect(isRecoveryFrame(unknown)).toBe(true);
    expect(parseRecoveryFrame(unknown)).toBeUndefined();
    expect(isKnownRecoveryFrame(unknown)).toBe(false);
    expect(isKnownRecoveryFrame(bytes('__etp_board||0||[]'))).toBe(false);
    expect(isKnownRecoveryFrame(bytes('__etp_b'))).toBe(true);
  });

  it('are each parsed by their own parser only', () => {
    const hello = bytes(encodeHello(true, ID));
    const position = bytes(encodePosition('r', 'e', 1));
    expect(parseHello(position)).toBeUndefined();
    expect(parsePosition(hello)).toBeUndefined();
    expect(parseLeave(position)).toBeUndefined();
    expect(parseKept(position)).toBeUndefined();
    expect(parseLeave(bytes(encodeLeave('r')))).toEqual({ kind: 'leave', room: 'r' });
  });
});
