import { jest } from '@jest/globals';
import { ClientRecovery, type ClientRecoveryOwner } from '../../../src/client/client-recovery.js';
import type { EtpConnectInfo } from '../../../src/client/client-options.js';
import { EtpFrameError } from '../../../src/protocol/errors.js';
import {
  decodeRecoveryState,
  encodeHello,
  encodeLeave,
  encodePosition,
  keptHeader,
  wrapKept,
} from '../../../src/protocol/recovery.js';
import { FakeTransport } from './fake-transport.js';

const OLD_ID = '11111111111111111111111111111111';
const NEW_ID = '22222222222222222222222222222222';
const TIMEOUT = 1_000;

/** The client around the recovery: what it was handed, in order. */
class FakeClient implements ClientRecoveryOwner {
  readonly events: string[] = [];
  readonly errors: Error[] = [];

  dispatch(_transport: unknown, bytes: Uint8Array): void {
    this.events.push(`frame ${Buffer.from(bytes).toString('utf8')}`);
  }

  connected(info: EtpConnectInfo): void {
    this.events.push(`connect ${info.recovered}`);
  }

  reportError(error: Error): void {
    this.errors.push(error);
  }
}

const transport = new FakeTransport('ws://server.test/ws', {
  open: () => undefined,
  message: () => undefined,
  error: () => undefined,
  close: () => undefined,
  pong: () => undefined,
});

function setUp(): {
  client: FakeClient;
  recovery: ClientRecovery;
  receive(frame: string | Uint8Array): void;
} {
  const client = new FakeClient();
  const recovery = new ClientRecovery(client, TIMEOUT);
  const receive = (frame: string | Uint8Array): void =>
    recovery.receive(transport, typeof frame === 'string' ? Buffer.from(frame) : frame);
  return { client, recovery, receive };
}

/** A recovery that had a connection, learned a position in `chat`, and lost it. */
function withPositions(): ReturnType<typeof setUp> {
  const parts = setUp();
  parts.recovery.handshakeQuery();
  parts.recovery.opened();
  parts.receive(encodeHello(false, OLD_ID));
  parts.receive(encodePosition('chat', 'e1', 5));
  parts.recovery.ended();
  parts.client.events.length = 0;
  return parts;
}

const kept = (offset: number, inner: string): string =>
  wrapKept(keptHeader('chat', 'e1', offset), inner) as string;

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('ClientRecovery', () => {
  it('says 1 and runs onConnect at open when it has nothing to present', () => {
    const { client, recovery, receive } = setUp();
    expect(recovery.handshakeQuery()).toEqual({ __etp_recovery: '1' });
    recovery.opened();
    expect(client.events).toEqual(['connect false']);
    expect(recovery.recovered).toBe(false);
    // The hello that follows only names the connection.
    receive(encodeHello(false, NEW_ID));
    expect(client.events).toEqual(['connect false']);
    expect(recovery.positions.id).toBe(NEW_ID);
  });

  it('presents its positions and the last id, and waits for the hello to say recovered', () => {
    const { client, recovery, receive } = withPositions();
    const query = recovery.handshakeQuery();
    expect(decodeRecoveryState(query.__etp_recovery as string)).toEqual({
      id: OLD_ID,
      positions: [['chat', 'e1', 5]],
    });
    recovery.opened();
    expect(client.events).toEqual([]);
    receive(encodeHello(true, NEW_ID));
    expect(client.events).toEqual(['connect true']);
    expect(recovery.recovered).toBe(true);
    expect(recovery.positions.id).toBe(NEW_ID);
    expect(recovery.positions.get('chat')).toEqual({ epoch: 'e1', offset: 5 });
    jest.advanceTimersByTime(TIMEOUT);
    expect(client.events).toEqual(['connect true']);
  });

  it('starts over when the server could not recover, keeping the new id', () => {
    const { client, recovery, receive } = withPositions();
    recovery.handshakeQuery();
    recovery.opened();
    receive(encodeHello(false, NEW_ID));
    expect(client.events).toEqual(['connect false']);
    expect(recovery.positions.size).toBe(0);
    expect(recovery.positions.id).toBe(NEW_ID);
  });

  it('says false before the first frame of a server that sends no hello, then handles it', () => {
    const { client, recovery, receive } = withPositions();
    recovery.handshakeQuery();
    recovery.opened();
    receive('news||0||"first"');
    receive('news||0||"second"');
    expect(client.events).toEqual([
      'connect false',
      'frame news||0||"first"',
      'frame news||0||"second"',
    ]);
  });

  it('says false when the first frame is an extension frame other than the hello', () => {
    const { client, recovery, receive } = withPositions();
    recovery.handshakeQuery();
    recovery.opened();
    receive(encodePosition('chat', 'e9', 1));
    expect(client.events).toEqual(['connect false']);
    expect(recovery.positions.get('chat')).toEqual({ epoch: 'e9', offset: 1 });
  });

  it('says false when no frame comes within the timeout; a late hello only names the connection', () => {
    const { client, recovery, receive } = withPositions();
    recovery.handshakeQuery();
    recovery.opened();
    jest.advanceTimersByTime(TIMEOUT - 1);
    expect(client.events).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(client.events).toEqual(['connect false']);
    receive(encodeHello(true, NEW_ID));
    expect(client.events).toEqual(['connect false']);
    expect(recovery.recovered).toBe(false);
    expect(recovery.positions.id).toBe(NEW_ID);
  });

  it('runs no onConnect for a connection lost before its verdict, and presents again', () => {
    const { client, recovery } = withPositions();
    const first = recovery.handshakeQuery();
    recovery.opened();
    recovery.ended();
    jest.advanceTimersByTime(TIMEOUT * 2);
    expect(client.events).toEqual([]);
    expect(recovery.handshakeQuery()).toEqual(first);
  });

  it('unwraps kept broadcasts, once each, text or bytes, and follows positions and leaves', () => {
    const { client, recovery, receive } = withPositions();
    recovery.handshakeQuery();
    recovery.opened();
    receive(encodeHello(true, NEW_ID));
    receive(kept(5, 'said||0||old'));
    receive(kept(6, 'said||0||six'));
    receive(kept(6, 'said||0||six again'));
    receive(wrapKept(keptHeader('chat', 'e1', 7), Buffer.from('said||0||bytes\n')));
    receive(encodePosition('chat', 'e1', 9));
    receive(kept(8, 'said||0||eight'));
    receive(kept(10, 'said||0||ten'));
    expect(client.events).toEqual([
      'connect true',
      'frame said||0||six',
      'frame said||0||bytes\n',
      'frame said||0||ten',
    ]);
    receive(encodeLeave('chat'));
    expect(recovery.positions.get('chat')).toBeUndefined();
    receive(kept(3, 'said||0||after the leave'));
    expect(client.events.at(-1)).toBe('frame said||0||after the leave');
  });

  it('drops unknown extension frames quietly, reports malformed ones, never dispatches either', () => {
    const { client, recovery, receive } = setUp();
    recovery.handshakeQuery();
    recovery.opened();
    receive('__etp_future||0||{}');
    receive('__etp_hello||0||{"recovered":1}');
    receive('__etp_b||0||["chat","e1",1]');
    receive(kept(2, '__etp_hello||0||{}'));
    expect(client.events).toEqual(['connect false']);
    expect(client.errors).toHaveLength(2);
    expect(client.errors.every((error) => error instanceof EtpFrameError)).toBe(true);
  });

  it('forgets everything on reset: the next handshake says 1', () => {
    const { recovery } = withPositions();
    recovery.reset();
    expect(recovery.handshakeQuery()).toEqual({ __etp_recovery: '1' });
    expect(recovery.positions.id).toBeUndefined();
  });
});
