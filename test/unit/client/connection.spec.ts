import { jest } from '@jest/globals';
import type { EtpLogLevel } from '../../../src/client/client-options.js';
import { ConnectionState } from '../../../src/client/connection-state.js';
import {
  Connection,
  type ConnectionOwner,
  type ConnectionSettings,
} from '../../../src/client/connection.js';
import { EtpConnectError } from '../../../src/client/errors.js';
import type { ClientTransportListener } from '../../../src/client/transport.js';
import { EtpDisconnectReason } from '../../../src/protocol/close.js';
import { FakeTransport } from './fake-transport.js';

/** A client above the connection: it records what the connection reports. */
class FakeOwner implements ConnectionOwner {
  readonly transports: FakeTransport[] = [];
  readonly logs: Array<[EtpLogLevel, string]> = [];
  readonly events: string[] = [];
  readonly ends: Array<{
    code: number;
    ownReason: EtpDisconnectReason | undefined;
    error?: Error;
  }> = [];
  readonly failures: EtpConnectError[] = [];
  onEnded: (() => void) | undefined;

  get last(): FakeTransport {
    return this.transports[this.transports.length - 1];
  }

  createTransport(url: string, listener: ClientTransportListener): FakeTransport {
    const transport = new FakeTransport(url, listener);
    this.transports.push(transport);
    return transport;
  }

  log(level: EtpLogLevel, message: string): void {
    this.logs.push([level, message]);
  }

  opened(): void {
    this.events.push('opened');
  }

  message(): void {
    this.events.push('message');
  }

  pong(): void {
    this.events.push('pong');
  }

  ended(
    code: number,
    _text: string,
    ownReason: EtpDisconnectReason | undefined,
    error: Error | undefined,
  ): void {
    this.ends.push({ code, ownReason, error });
    this.onEnded?.();
  }

  attemptFailed(error: EtpConnectError): void {
    this.failures.push(error);
  }
}

const URL = 'ws://server.test/ws';

function connectionWith(settings: Partial<ConnectionSettings> = {}): {
  connection: Connection;
  owner: FakeOwner;
} {
  const owner = new FakeOwner();
  const connection = new Connection(owner, {
    url: URL,
    query: undefined,
    connectTimeout: 0,
    reconnect: { initialDelay: 100, maxDelay: 1_000, factor: 2, jitter: 0, maxAttempts: Infinity },
    ...settings,
  });
  return { connection, owner };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('Connection', () => {
  test('goes Closed → Connecting → Open, with the query on the URL and none in the log', async () => {
    const { connection, owner } = connectionWith({ query: { token: 's3cret', skip: undefined } });
    expect(connection.state).toBe(ConnectionState.Closed);
    const opened = connection.start(undefined, false);
    expect(connection.state).toBe(ConnectionState.Connecting);
    expect(owner.last.url).toBe(`${URL}?token=s3cret`);
    expect(connection.openTransport).toBeUndefined();
    owner.last.open();
    await expect(opened).resolves.toBeUndefined();
    expect(connection.state).toBe(ConnectionState.Open);
    expect(connection.openTransport).toBe(owner.last);
    expect(owner.events).toEqual(['opened']);
    expect(owner.logs).toEqual([['log', `Connected to ${URL}`]]);
  });

  test('a second start while connecting shares the attempt; once open it resolves at once', async () => {
    const { connection, owner } = connectionWith();
    const first = connection.start(undefined, false);
    expect(connection.start(undefined, false)).toBe(first);
    owner.last.open();
    await connection.start(undefined, false);
    expect(owner.transports).toHaveLength(1);
  });

  test('refuses another URL while connected, and having no URL at all', async () => {
    const { connection, owner } = connectionWith();
    void connection.start(undefined, false);
    owner.last.open();
    await expect(connection.start('ws://other.test/ws', false)).rejects.toThrow(
      `Already connected to ${URL}: close() first`,
    );
    const bare = connectionWith({ url: undefined }).connection;
    await expect(bare.start(undefined, false)).rejects.toThrow(TypeError);
  });

  test('a failed connect() rejects with EtpConnectError and does not retry', async () => {
    const { connection, owner } = connectionWith();
    const attempt = connection.start(undefined, false);
    owner.last.end(1006, '', new Error('ECONNREFUSED'));
    const error = await attempt.catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(EtpConnectError);
    expect((error as EtpConnectError).message).toBe(`Cannot connect to ${URL}: ECONNREFUSED`);
    expect(connection.state).toBe(ConnectionState.Closed);
    jest.advanceTimersByTime(10_000);
    expect(owner.transports).toHaveLength(1);
    expect(owner.failures).toEqual([]);
  });

  test('an attempt not open within connectTimeout is dropped and reported as such', async () => {
    const { connection, owner } = connectionWith({ connectTimeout: 500 });
    const attempt = connection.start(undefined, false);
    jest.advanceTimersByTime(499);
    expect(owner.last.terminated).toBe(false);
    jest.advanceTimersByTime(1);
    expect(owner.last.terminated).toBe(true);
    owner.last.end(1006);
    await expect(attempt).rejects.toThrow(`Cannot connect to ${URL}: not open within 500 ms`);
  });

  test('a lost connection waits with backoff, then reconnects; failures are reported', async () => {
    const { connection, owner } = connectionWith();
    void connection.start(undefined, false);
    owner.last.open();
    const lost = new Error('reset');
    owner.last.end(1006, '', lost);
    expect(owner.ends).toEqual([{ code: 1006, ownReason: undefined, error: lost }]);
    expect(connection.state).toBe(ConnectionState.Waiting);
    expect(connection.reconnecting).toBe(true);
    expect(owner.logs.at(-1)).toEqual(['warn', `Reconnecting to ${URL} in 100 ms (attempt 1)`]);

    jest.advanceTimersByTime(99);
    expect(owner.transports).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(owner.transports).toHaveLength(2);
    expect(connection.state).toBe(ConnectionState.Connecting);

    owner.last.end(1006, '', new Error('refused'));
    expect(owner.failures.map((one) => one.message)).toEqual([`Cannot connect to ${URL}: refused`]);
    expect(owner.logs.at(-1)).toEqual(['warn', `Reconnecting to ${URL} in 200 ms (attempt 2)`]);
    jest.advanceTimersByTime(200);
    owner.last.open();
    expect(connection.state).toBe(ConnectionState.Open);
    expect(connection.reconnecting).toBe(false);
  });

  test('gives up after maxAttempts', () => {
    const { connection, owner } = connectionWith({
      reconnect: { initialDelay: 10, maxDelay: 10, factor: 1, jitter: 0, maxAttempts: 2 },
    });
    void connection.start(undefined, true);
    for (let attempt = 0; attempt < 3; attempt++) {
      owner.last.end(1006);
      jest.advanceTimersByTime(10);
    }
    expect(owner.transports).toHaveLength(3);
    expect(owner.logs.at(-1)).toEqual(['error', 'Gave up reconnecting after 2 attempts']);
    expect(connection.state).toBe(ConnectionState.Closed);
  });

  test('with reconnection off, a lost connection stays lost', () => {
    const { connection, owner } = connectionWith({ reconnect: undefined });
    void connection.start(undefined, false);
    owner.last.open();
    owner.last.end(1001, 'going away');
    expect(connection.state).toBe(ConnectionState.Closed);
    expect(owner.logs.at(-1)).toEqual([
      'warn',
      'Reconnection is off: the client stays disconnected',
    ]);
  });

  test('close() goes through Closing, drops the socket after the grace, and never reconnects', async () => {
    const { connection, owner } = connectionWith();
    void connection.start(undefined, false);
    owner.last.open();
    let closed = false;
    void connection.close().then(() => (closed = true));
    expect(connection.state).toBe(ConnectionState.Closing);
    expect(connection.openTransport).toBeUndefined();
    expect(owner.last.closedWith).toEqual({ code: 1000, reason: undefined });
    jest.advanceTimersByTime(999);
    expect(owner.last.terminated).toBe(false);
    jest.advanceTimersByTime(1);
    expect(owner.last.terminated).toBe(true);
    owner.last.end(1006);
    await Promise.resolve();
    expect(closed).toBe(true);
    expect(owner.ends).toEqual([
      { code: 1006, ownReason: EtpDisconnectReason.ClientClosed, error: undefined },
    ]);
    jest.advanceTimersByTime(60_000);
    expect(owner.transports).toHaveLength(1);
    expect(connection.state).toBe(ConnectionState.Closed);
  });

  test('close() while waiting to reconnect cancels the retry', () => {
    const { connection, owner } = connectionWith();
    void connection.start(undefined, false);
    owner.last.open();
    owner.last.end(1006);
    expect(connection.state).toBe(ConnectionState.Waiting);
    void connection.close();
    expect(connection.state).toBe(ConnectionState.Closed);
    jest.advanceTimersByTime(60_000);
    expect(owner.transports).toHaveLength(1);
  });

  test('close() during an attempt fails that attempt as closed before it opened', async () => {
    const { connection, owner } = connectionWith();
    const attempt = connection.start(undefined, false);
    void connection.close();
    expect(connection.state).toBe(ConnectionState.Closing);
    expect(connection.reconnecting).toBe(true);
    owner.last.end(1006);
    await expect(attempt).rejects.toThrow(`Cannot connect to ${URL}: closed before it opened`);
    expect(owner.ends).toEqual([]);
  });

  test('closeFor gives its own reason and code, and reconnection follows', () => {
    const { connection, owner } = connectionWith();
    void connection.start(undefined, false);
    owner.last.open();
    connection.closeFor(EtpDisconnectReason.MessageTooBig, 1009, 'message too big');
    expect(connection.state).toBe(ConnectionState.Closing);
    expect(owner.last.closedWith).toEqual({ code: 1009, reason: 'message too big' });
    owner.last.end(1009);
    expect(owner.ends[0].ownReason).toBe(EtpDisconnectReason.MessageTooBig);
    expect(connection.state).toBe(ConnectionState.Waiting);
  });

  test('start() while closing connects again once closed', async () => {
    const { connection, owner } = connectionWith();
    void connection.start(undefined, false);
    owner.last.open();
    void connection.close();
    const again = connection.start(undefined, false);
    expect(owner.transports).toHaveLength(1);
    owner.last.end(1000);
    await jest.advanceTimersByTimeAsync(0);
    expect(owner.transports).toHaveLength(2);
    owner.last.open();
    await expect(again).resolves.toBeUndefined();
  });

  test('a listener that closes during the disconnect stops the reconnection', () => {
    const { connection, owner } = connectionWith();
    void connection.start(undefined, false);
    owner.last.open();
    owner.onEnded = () => void connection.close();
    owner.last.end(1006);
    expect(connection.state).toBe(ConnectionState.Closed);
    jest.advanceTimersByTime(60_000);
    expect(owner.transports).toHaveLength(1);
  });

  test('a listener that connects again during the disconnect leaves no retry behind', () => {
    const { connection, owner } = connectionWith();
    void connection.start(undefined, false);
    owner.last.open();
    owner.onEnded = () => void connection.start(undefined, false).catch(() => undefined);
    owner.last.end(1006);
    expect(owner.transports).toHaveLength(2);
    expect(connection.state).toBe(ConnectionState.Connecting);
    jest.advanceTimersByTime(60_000);
    expect(owner.transports).toHaveLength(2);
  });

  test('reports only the current transport: a late event of an old one is ignored', () => {
    const { connection, owner } = connectionWith();
    void connection.start(undefined, false);
    const old = owner.last;
    old.open();
    old.end(1006);
    jest.advanceTimersByTime(100);
    old.receive('late||0');
    old.end(1000);
    expect(owner.events).toEqual(['opened']);
    expect(owner.ends).toHaveLength(1);
    expect(connection.state).toBe(ConnectionState.Connecting);
  });
});
