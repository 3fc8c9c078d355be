import { deserialize, serialize } from 'node:v8';
import { Control, Reply } from '../../../src/cluster/messages.js';
import { checkControl, checkReply } from '../../../src/cluster/shape.js';

const FROM = '0123456789abcdef';

describe('the kinds of messages between instances', () => {
  // Instances of two versions share a channel during a rolling deploy: a kind's number is wire.
  test('keep their numbers on the wire', () => {
    expect(Control).toEqual({
      Hello: 0,
      Heartbeat: 1,
      Bye: 2,
      FetchSockets: 3,
      SocketsJoin: 4,
      SocketsLeave: 5,
      DisconnectSockets: 6,
      EmitWithAck: 7,
    });
    expect(Reply).toEqual({
      Done: 0,
      Sockets: 1,
      Count: 2,
      Answer: 3,
      Missed: 4,
      Gone: 5,
      Chunk: 6,
      Refused: 7,
    });
  });

  test('each kind is told apart, and one past the last is no kind', () => {
    for (const kinds of [Control, Reply]) {
      const numbers = Object.values(kinds);
      expect(new Set(numbers).size).toBe(numbers.length);
    }
    const past = deserialize(serialize({ kind: 8, from: FROM })) as unknown;
    expect('problem' in checkControl(past, FROM)).toBe(true);
    expect('problem' in checkReply({ request: 1, from: FROM, kind: 8 }, FROM)).toBe(true);
  });

  test('a presence message carries its kind and sender alone', () => {
    const hello = { kind: Control.Hello, from: FROM };
    expect(checkControl(deserialize(serialize(hello)), FROM)).toEqual({ message: hello });
  });
});
