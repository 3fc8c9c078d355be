import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { deferBootstrapConnection, EtpClient } from '../../../src/client/etp-client.js';
import type { ClientTransport, ClientTransportListener } from '../../../src/client/transport.js';
import { TestServer, until } from './transport-harness.js';

/** Counts the WebSockets the client opens, to see that one was opened or not, at once. */
class CountingClient extends EtpClient {
  transports = 0;

  protected override createTransport(
    url: string,
    listener: ClientTransportListener,
  ): ClientTransport {
    this.transports++;
    return super.createTransport(url, listener);
  }
}

describe('EtpClient', () => {
  let server: TestServer;
  const clients: EtpClient[] = [];

  function client(options: ConstructorParameters<typeof EtpClient>[0], name?: string): EtpClient {
    const made = new EtpClient({ reconnect: false, recovery: false, ...options }, name);
    clients.push(made);
    return made;
  }

  beforeEach(async () => {
    server = await TestServer.start();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(clients.splice(0).map((one) => one.close()));
    await server.close();
  });

  test('connects at bootstrap with its headers, talks ETP, and closes before shutdown', async () => {
    let token: string | undefined;
    server.wss.once(
      'headers',
      (_headers, request) => (token = request.headers['x-token'] as string),
    );
    const etp = client({ url: server.url, headers: { 'x-token': 't' } });
    await etp.onApplicationBootstrap();
    expect(etp.connected).toBe(true);
    expect(token).toBe('t');
    await etp.emit('hello', { n: 1 });
    await until(() => server.received.length === 1);
    expect(server.received[0]).toEqual({ data: 'hello||0||{"n":1}', binary: false });
    const peer = await server.peer();
    const closed = new Promise<number>((resolve) => peer.once('close', (code) => resolve(code)));
    await etp.beforeApplicationShutdown();
    expect(etp.connected).toBe(false);
    expect(await closed).toBe(1000);
  });

  test('does not connect at bootstrap without a url, or with connectOnBootstrap false', async () => {
    const none = client({});
    const off = client({ url: server.url, connectOnBootstrap: false });
    await none.onApplicationBootstrap();
    await off.onApplicationBootstrap();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(server.peers).toHaveLength(0);
  });

  test('a bootstrap whose server is down does not fail the application', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const etp = client({ url: 'ws://127.0.0.1:1/ws' });
    await expect(etp.onApplicationBootstrap()).resolves.toBeUndefined();
    expect(etp.connected).toBe(false);
  });

  test('a deferred bootstrap connects once its gate opens, not before', async () => {
    const etp = client({ url: server.url });
    let open: () => void = () => undefined;
    deferBootstrapConnection(etp, new Promise<void>((resolve) => (open = resolve)));
    await etp.onApplicationBootstrap();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(server.peers).toHaveLength(0);
    open();
    await until(() => etp.connected);
  });

  test('pings the server and resolves on its pong', async () => {
    const etp = client({ url: server.url });
    await etp.connect();
    await expect(etp.ping({ timeout: 1_000 })).resolves.toBeUndefined();
  });

  test('logs under its name, and an error with the stack of its cause', async () => {
    const errors: unknown[][] = [];
    jest
      .spyOn(Logger.prototype, 'error')
      .mockImplementation((...args: unknown[]) => void errors.push(args));
    const etp = client({ url: server.url }, 'market');
    expect(etp.name).toBe('market');
    etp.on('boom', () => {
      throw new Error('handler broke');
    });
    await etp.connect();
    (await server.peer()).send('boom||0||1');
    await until(() => errors.length > 0);
    expect(String(errors[0][0])).toContain('boom');
    expect(String(errors[0][1])).toContain('handler broke');
  });

  test('a shutdown before its deferred gate opens keeps it from connecting at all', async () => {
    const early = new CountingClient({ url: server.url, reconnect: false, recovery: false });
    const normal = new CountingClient({ url: server.url, reconnect: false, recovery: false });
    clients.push(early, normal);
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    deferBootstrapConnection(early, gate);
    deferBootstrapConnection(normal, gate);
    await early.onApplicationBootstrap();
    await normal.onApplicationBootstrap();
    await early.beforeApplicationShutdown();
    expect(early.transports + normal.transports).toBe(0);
    open();
    await gate;
    await until(() => normal.transports === 1);
    expect(early.transports).toBe(0);
    await until(() => normal.connected);
  });

  test('a message larger than maxPayload ends the connection with 1009', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const etp = client({ url: server.url, maxPayload: 64 });
    const got: unknown[] = [];
    etp.on('news', (data) => void got.push(data));
    const ends: number[] = [];
    etp.onDisconnect((_reason, info) => void ends.push(info.closeCode));
    await etp.connect();
    const peer = await server.peer();
    peer.send(`news||0||"${'x'.repeat(10)}"`);
    peer.send(`news||0||"${'x'.repeat(100)}"`);
    await until(() => ends.length === 1);
    expect(ends).toEqual([1009]);
    expect(got).toEqual(['x'.repeat(10)]);
    expect(etp.closeCode).toBe(1009);
    expect(etp.connected).toBe(false);
  });

  test('logs what the server sends at its level and escaped: unknown events as debug, malformed frames as warn', async () => {
    const lines: string[][] = [];
    for (const level of ['debug', 'warn'] as const) {
      jest
        .spyOn(Logger.prototype, level)
        .mockImplementation((message: unknown) => void lines.push([level, String(message)]));
    }
    const etp = client({ url: server.url });
    await etp.connect();
    const peer = await server.peer();
    peer.send('evil\nFAKE LOG LINE||0||1');
    peer.send('nodelimiter');
    await until(() => lines.length === 2);
    expect(lines[0][0]).toBe('debug');
    expect(lines[0][1]).toContain('evil\\nFAKE LOG LINE');
    expect(lines[0][1]).not.toContain('\n');
    expect(lines[1]).toEqual([
      'warn',
      'Malformed ETP frame: no "||" delimiter in the message ("nodelimiter")',
    ]);
    expect(etp.connected).toBe(true);
  });
});
