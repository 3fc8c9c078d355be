import { ClientListeners } from '../../../src/client/client-listeners.js';
import type { EtpLogLevel } from '../../../src/client/client-options.js';
import { ConnectionEvents } from '../../../src/client/connection-events.js';
import type { Connection } from '../../../src/client/connection.js';
import { EtpConnectError } from '../../../src/client/errors.js';
import { IncomingEvents } from '../../../src/client/incoming-events.js';
import type { ClientTransport } from '../../../src/client/transport.js';
import { EtpDisconnectReason } from '../../../src/protocol/close.js';
import { jsonCodec } from '../../../src/protocol/codec.js';
import { EtpConnectionClosedError } from '../../../src/protocol/errors.js';
import { PendingAcks } from '../../../src/protocol/pending-acks.js';
import { PendingPings } from '../../../src/protocol/pending-pings.js';

/** The client's parts, real, with a log, an error sink and a connection that record. */
function setUp(options: { recovery?: boolean; maxPayload?: number } = {}) {
  const seen: unknown[][] = [];
  const errors: Error[] = [];
  const logs: Array<[EtpLogLevel, string]> = [];
  const acks = new PendingAcks();
  const pings = new PendingPings();
  const listeners = new ClientListeners(() => undefined);
  listeners.connect.push((info) => seen.push(['connect', info.recovered]));
  listeners.disconnect.push((reason, info) => seen.push(['disconnect', reason, info.closeCode]));
  const transport = { send: () => undefined } as unknown as ClientTransport;
  const incoming = new IncomingEvents(jsonCodec, acks, {
    isOpen: () => true,
    reportError: (error) => errors.push(error),
  });
  incoming.handlers.set('news', (data) => void seen.push(['news', data]));
  const events = new ConnectionEvents({
    incoming,
    listeners,
    acks,
    pings,
    maxPayload: options.maxPayload ?? 1024,
    recovery: options.recovery ?? false,
    helloTimeout: 1_000,
    createTransport: () => transport,
    log: (level, message) => logs.push([level, message]),
    reportError: (error) => errors.push(error),
  });
  const closes: unknown[][] = [];
  events.connection = {
    url: 'ws://server.test/ws?token=secret',
    closeFor: (...args: unknown[]) => closes.push(args),
  } as unknown as Connection;
  const receive = (frame: string) => events.message(transport, Buffer.from(frame));
  return { events, seen, errors, logs, acks, pings, closes, receive };
}

describe('ConnectionEvents', () => {
  test('without recovery: open is a connect with recovered false, frames go to the handlers', () => {
    const { events, seen, receive } = setUp();
    expect(events.handshakeQuery()).toBeUndefined();
    events.opened();
    receive('news||0||{"n":1}');
    expect(seen).toEqual([
      ['connect', false],
      ['news', { n: 1 }],
    ]);
  });

  test('a message over maxPayload closes the connection with 1009 and is not handled', () => {
    const { seen, closes, receive } = setUp({ maxPayload: 8 });
    receive('news||0||"a long message"');
    expect(closes).toEqual([[EtpDisconnectReason.MessageTooBig, 1009, 'message too big']]);
    expect(seen).toEqual([]);
  });

  test('a pong settles the pings waiting', async () => {
    const { events, pings } = setUp();
    const waiting = pings.wait(0, () => undefined);
    events.pong();
    await expect(waiting).resolves.toBeUndefined();
  });

  test('the end fails the requests waiting, tells the listeners and logs without secrets', async () => {
    const { events, seen, logs, acks } = setUp();
    const request = acks.request('ask', { timeout: 0 }, () => undefined);
    events.ended(4001, 'kicked', undefined, undefined);
    await expect(request).rejects.toBeInstanceOf(EtpConnectionClosedError);
    expect(events.lastClose).toMatchObject({ reason: 'server closed', closeCode: 4001 });
    expect(seen).toEqual([['disconnect', 'server closed', 4001]]);
    expect(logs).toHaveLength(1);
    expect(logs[0][0]).toBe('warn');
    expect(logs[0][1]).toContain('server closed (4001 kicked)');
    expect(logs[0][1]).not.toContain('secret');
  });

  test('a close of the client’s own is logged as a plain log line', () => {
    const { events, logs } = setUp();
    events.ended(1000, '', EtpDisconnectReason.ClientClosed, undefined);
    expect(logs[0][0]).toBe('log');
  });

  test('with recovery: the handshake says 1, and connect waits for the server’s word', () => {
    const { events, seen, receive } = setUp({ recovery: true });
    expect(events.handshakeQuery()).toEqual({ __etp_recovery: '1' });
    events.opened();
    expect(seen).toEqual([['connect', false]]);
    receive('news||0||2');
    expect(seen.at(-1)).toEqual(['news', 2]);
  });

  test('a failed attempt is reported as an error of the client', () => {
    const { events, errors } = setUp();
    const error = new EtpConnectError('ws://server.test/ws', 'refused');
    events.attemptFailed(error);
    expect(errors).toEqual([error]);
  });
});
