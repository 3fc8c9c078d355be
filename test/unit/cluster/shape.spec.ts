import { serialize, deserialize } from 'node:v8';
import { Control, Reply } from '../../../src/cluster/messages.js';
import { MAX_NAME_LENGTH, MAX_NAMES } from '../../../src/cluster/limits.js';
import {
  checkBroadcast,
  checkControl,
  checkReply,
  isEventName,
} from '../../../src/cluster/shape.js';

const FROM = '0123456789abcdef';
const broadcast = { from: FROM, seq: 1, event: 'news', data: 1, rooms: ['lobby'], except: [] };
const target = { rooms: undefined, except: [] };

/** What the other side gets: the value as `node:v8` carries it. */
const carried = (value: unknown): unknown => deserialize(serialize(value));

function problemOf(checked: object): string | undefined {
  return 'problem' in checked ? (checked.problem as string) : undefined;
}

describe('the shape of messages between instances', () => {
  test('passes a broadcast to rooms, to everyone, and with data of any kind', () => {
    expect(checkBroadcast(carried(broadcast), FROM)).toEqual({ message: broadcast });
    const everyone = { ...broadcast, rooms: undefined, data: 12n };
    expect(problemOf(checkBroadcast(carried(everyone), FROM))).toBeUndefined();
  });

  test.each([
    ['null', null],
    ['a broadcast without except', { ...broadcast, except: undefined }],
    ['rooms: 12345', { ...broadcast, rooms: 12345 }],
    ['a numeric event name', { ...broadcast, event: 42 }],
    ['event a||b', { ...broadcast, event: 'a||b' }],
    ['an array', [broadcast]],
    ['a room that is not a string', { ...broadcast, rooms: ['a', 1] }],
    ['too many rooms', { ...broadcast, rooms: new Array<string>(MAX_NAMES + 1).fill('r') }],
    ['a room name too long', { ...broadcast, rooms: ['r'.repeat(MAX_NAME_LENGTH + 1)] }],
    ['no sender', { ...broadcast, from: undefined }],
    ['without its number', { ...broadcast, seq: undefined }],
    ['numbered 1.5', { ...broadcast, seq: 1.5 }],
    ['a sender that is not an id', { ...broadcast, from: 'ZZZZZZZZZZZZZZZZ' }],
    ['another sender than the envelope’s', { ...broadcast, from: 'fedcba9876543210' }],
  ])('refuses a broadcast that is %s', (_, value) => {
    expect(problemOf(checkBroadcast(carried(value), FROM))).toEqual(expect.any(String));
  });

  test('passes presence and every request of the right shape', () => {
    const ok = [
      { kind: Control.Hello, from: FROM },
      { kind: Control.Heartbeat, from: FROM },
      { kind: Control.Bye, from: FROM },
      { kind: Control.FetchSockets, from: FROM, request: 1, target },
      { kind: Control.SocketsJoin, from: FROM, request: 2, target, rooms: ['a'] },
      { kind: Control.SocketsLeave, from: FROM, request: 3, target, rooms: [] },
      { kind: Control.DisconnectSockets, from: FROM, request: 4, target, code: 4000, reason: 'x' },
      { kind: Control.DisconnectSockets, from: FROM, request: 5, target, code: 1000 },
      { kind: Control.EmitWithAck, from: FROM, request: 6, target, event: 'vote', timeout: 0 },
    ];
    for (const message of ok) {
      expect(problemOf(checkControl(carried(message), FROM))).toBeUndefined();
    }
  });

  test.each([
    ['null', null],
    ['of an unknown kind', { kind: 99, from: FROM }],
    ['fetchSockets without a target', { kind: Control.FetchSockets, from: FROM, request: 1 }],
    [
      'a request id that is not a safe integer',
      { kind: Control.FetchSockets, from: FROM, request: 2 ** 53, target },
    ],
    ['a negative request id', { kind: Control.FetchSockets, from: FROM, request: -1, target }],
    ['a join without rooms', { kind: Control.SocketsJoin, from: FROM, request: 1, target }],
    [
      'a disconnect with a close code ws refuses',
      { kind: Control.DisconnectSockets, from: FROM, request: 1, target, code: 1005 },
    ],
    [
      'a disconnect with a reason too long for a close frame',
      {
        kind: Control.DisconnectSockets,
        from: FROM,
        request: 1,
        target,
        code: 4000,
        reason: 'x'.repeat(124),
      },
    ],
    [
      'an emitWithAck with a timeout of NaN',
      { kind: Control.EmitWithAck, from: FROM, request: 1, target, event: 'v', timeout: NaN },
    ],
    [
      'an emitWithAck with an event a||b',
      { kind: Control.EmitWithAck, from: FROM, request: 1, target, event: 'a||b', timeout: 1 },
    ],
  ])('refuses a control message that is %s', (_, value) => {
    expect(problemOf(checkControl(carried(value), FROM))).toEqual(expect.any(String));
  });

  test('passes each kind of reply, and refuses one out of shape', () => {
    const reply = { request: 1, from: FROM };
    const ok = [
      { ...reply, kind: Reply.Done },
      { ...reply, kind: Reply.Sockets, value: [{ id: 's', rooms: ['a'] }] },
      { ...reply, kind: Reply.Count, value: 3 },
      { ...reply, kind: Reply.Answer, value: { any: 'thing' } },
      { ...reply, kind: Reply.Refused, value: 'why' },
      { ...reply, kind: Reply.Chunk, series: 1, index: 0, count: 2, bytes: Buffer.from('x') },
    ];
    for (const message of ok) {
      expect(problemOf(checkReply(carried(message), FROM))).toBeUndefined();
    }
    const bad = [
      null,
      { ...reply, kind: 42 },
      { ...reply, request: 'one', kind: Reply.Done },
      { ...reply, kind: Reply.Sockets, value: [{ id: 's', rooms: 'a' }] },
      { ...reply, kind: Reply.Count, value: -1 },
      { ...reply, kind: Reply.Chunk, series: 1, index: 2, count: 2, bytes: Buffer.from('x') },
      { ...reply, kind: Reply.Chunk, series: 1, index: 0, count: 1, bytes: 'x' },
    ];
    for (const message of bad) {
      expect(problemOf(checkReply(carried(message), FROM))).toEqual(expect.any(String));
    }
  });

  test('knows the event names the ETP frame codec can write', () => {
    expect(isEventName('typing')).toBe(true);
    expect(isEventName('')).toBe(true);
    expect(isEventName('typing||0||spoof')).toBe(false);
    expect(isEventName(12)).toBe(false);
  });
});
