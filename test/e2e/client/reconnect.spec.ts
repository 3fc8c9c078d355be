import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { DisconnectReason, EtpClient, EtpConnectError } from '../../../src/index.js';
import {
  DEFAULT_RECONNECT,
  reconnectDelay,
  resolveReconnect,
} from '../../../src/client/reconnect.js';
import { eventually, RawServer } from '../../support/raw-server.js';

Logger.overrideLogger(false);

const fast = { initialDelay: 10, maxDelay: 50 };

describe('backoff', () => {
  test('grows exponentially up to the ceiling, shortened by at most the jitter share', () => {
    const policy = { ...DEFAULT_RECONNECT, initialDelay: 100, maxDelay: 1_000, jitter: 0.5 };
    expect([0, 1, 2, 3, 4, 10].map((attempt) => reconnectDelay(policy, attempt, () => 0))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
    expect(reconnectDelay(policy, 2, () => 0.999_999)).toBe(200);
    expect(reconnectDelay({ ...policy, jitter: 0 }, 1, () => 0.7)).toBe(200);
  });

  test('on by default, off with false, checked when given', () => {
    expect(resolveReconnect(undefined)).toBe(DEFAULT_RECONNECT);
    expect(resolveReconnect(true)).toBe(DEFAULT_RECONNECT);
    expect(resolveReconnect(false)).toBeUndefined();
    expect(resolveReconnect({ maxDelay: 2_000, initialDelay: undefined })).toMatchObject({
      initialDelay: 500,
      maxDelay: 2_000,
    });
    expect(() => resolveReconnect({ initialDelay: 100, maxDelay: 10 })).toThrow(RangeError);
    expect(() => resolveReconnect({ jitter: 2 })).toThrow(RangeError);
  });
});

describe('reconnection', () => {
  let server: RawServer;
  let client: EtpClient;

  afterEach(async () => {
    await client.close();
    await server.close();
  });

  test('after the server restarts on the same port the client comes back by itself; handlers survive', async () => {
    server = await RawServer.start();
    const port = server.port;
    client = new EtpClient({ url: server.url, reconnect: fast });
    client.on('news', (data) => `news: ${String(data)}`);
    const reasons: string[] = [];
    const failures: Error[] = [];
    let connects = 0;
    client
      .onConnect(() => connects++)
      .onDisconnect((reason) => reasons.push(reason))
      .onError((error) => failures.push(error));
    await client.connect();
    await server.connection();

    await server.close();
    await eventually(() => failures.length >= 2);
    expect(reasons).toEqual([DisconnectReason.TransportError]);
    expect(failures[0]).toBeInstanceOf(EtpConnectError);
    expect(client.connected).toBe(false);
    await expect(client.emit('x')).rejects.toThrow('the client is reconnecting');

    server = await RawServer.start(port);
    const ws = await server.connection();
    await eventually(() => client.connected);
    expect(connects).toBe(2);
    ws.send('news||1||back');
    expect((await server.next()).text).toBe('__ack_news||1||news: back');
    const answer = client.emitWithAck('hello', 'again');
    const frame = await server.next('hello||');
    ws.send(`__ack_hello||${frame.text.split('||')[1]}||welcome back`);
    await expect(answer).resolves.toBe('welcome back');
  });

  test('a server that closes normally is reconnected to as well', async () => {
    server = await RawServer.start();
    client = new EtpClient({ url: server.url, reconnect: fast });
    await client.connect();
    (await server.connection()).close(1001, 'going away');
    await server.connection();
    await eventually(() => client.connected);
    expect(client.disconnectReason).toBe(DisconnectReason.ServerClosed);
    expect(client.closeCode).toBe(1001);
  });

  test('switched off, the client stays disconnected', async () => {
    server = await RawServer.start();
    client = new EtpClient({ url: server.url, reconnect: false });
    await client.connect();
    (await server.connection()).terminate();
    await eventually(() => !client.connected);
    await expect(server.connection(200)).rejects.toThrow('no connection');
    expect(client.connected).toBe(false);
  });

  test('close() while waiting to reconnect stops for good', async () => {
    server = await RawServer.start();
    client = new EtpClient({ url: server.url, reconnect: { initialDelay: 100, maxDelay: 100 } });
    await client.connect();
    (await server.connection()).terminate();
    await eventually(() => !client.connected);
    await client.close();
    await expect(server.connection(300)).rejects.toThrow('no connection');
  });

  test('gives up after maxAttempts', async () => {
    server = await RawServer.start();
    const port = server.port;
    client = new EtpClient({ url: server.url, reconnect: { ...fast, maxAttempts: 2 } });
    const failures: Error[] = [];
    client.onError((error) => failures.push(error));
    await client.connect();
    await server.close();
    await eventually(() => failures.length === 2);
    server = await RawServer.start(port);
    await expect(server.connection(300)).rejects.toThrow('no connection');
    expect(failures).toHaveLength(2);
  });
});
