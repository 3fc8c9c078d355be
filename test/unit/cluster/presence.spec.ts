import { jest } from '@jest/globals';
import { Control, type ControlMessage } from '../../../src/cluster/messages.js';
import { Peers } from '../../../src/cluster/peers.js';
import { Presence } from '../../../src/cluster/presence.js';

const SELF = 'aaaaaaaaaaaaaaaa';
const PEER = 'bbbbbbbbbbbbbbbb';

function setup(connected = true) {
  const said: ControlMessage[] = [];
  const peers = new Peers(10_000, () => undefined);
  const presence = new Presence(
    SELF,
    peers,
    (message) => said.push(message),
    () => connected,
    1_000,
  );
  return { said, peers, presence };
}

describe('Presence', () => {
  afterEach(() => jest.useRealTimers());

  it('answers a hello and a new instance’s heartbeat with a heartbeat, a known one’s with nothing', () => {
    const { said, presence } = setup();
    expect(presence.answer({ kind: Control.Hello, from: PEER }, true)).toBe(true);
    expect(presence.answer({ kind: Control.Heartbeat, from: PEER }, true)).toBe(true);
    expect(presence.answer({ kind: Control.Heartbeat, from: PEER }, false)).toBe(true);
    expect(said).toEqual([
      { kind: Control.Heartbeat, from: SELF },
      { kind: Control.Heartbeat, from: SELF },
    ]);
  });

  it('forgets an instance that says goodbye, and leaves requests to others', () => {
    const { peers, presence } = setup();
    peers.seen(PEER);
    expect(presence.answer({ kind: Control.Bye, from: PEER }, false)).toBe(true);
    expect(peers.size).toBe(0);
    expect(presence.answer({ kind: Control.FetchSockets, from: PEER, request: 1 }, false)).toBe(
      false,
    );
  });

  it('says hello when back, and a heartbeat every interval until stopped', () => {
    jest.useFakeTimers();
    const { said, presence } = setup();
    presence.back();
    presence.start();
    jest.advanceTimersByTime(3_500);
    presence.stop();
    jest.advanceTimersByTime(3_000);
    expect(said.map((message) => message.kind)).toEqual([
      Control.Hello,
      Control.Heartbeat,
      Control.Heartbeat,
      Control.Heartbeat,
    ]);
  });
});
