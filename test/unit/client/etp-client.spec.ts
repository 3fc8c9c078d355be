import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { deferBootstrapConnection, EtpClient } from '../../../src/client/etp-client.js';
import { TestServer, until } from './transport-harness.js';

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
});
