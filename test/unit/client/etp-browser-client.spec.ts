import { jest } from '@jest/globals';
import { WebSocket } from 'ws';
import { EtpBrowserClient } from '../../../src/client/etp-browser-client.js';
import type { EtpWebSocketClass } from '../../../src/client/browser-transport.js';
import { TestServer, until } from './transport-harness.js';

const WS = WebSocket as unknown as EtpWebSocketClass;

describe('EtpBrowserClient', () => {
  let server: TestServer;
  const clients: EtpBrowserClient[] = [];

  beforeEach(async () => {
    server = await TestServer.start();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(clients.splice(0).map((one) => one.close()));
    await server.close();
  });

  test('talks ETP over the WebSocket class it is given', async () => {
    const client = new EtpBrowserClient(server.url, {
      WebSocket: WebSocket as unknown as EtpWebSocketClass,
      reconnect: false,
      recovery: false,
    });
    clients.push(client);
    const got: unknown[] = [];
    client.on('news', (data) => void got.push(data));
    await client.connect();
    (await server.peer()).send('news||0||{"n":1}');
    await client.emit('up', 2);
    await until(() => got.length === 1 && server.received.length === 1);
    expect(got).toEqual([{ n: 1 }]);
    expect(server.received).toEqual([{ data: 'up||0||2', binary: false }]);
  });

  test('takes http and https URLs as ws and wss', async () => {
    const port = new URL(server.url).port;
    const client = new EtpBrowserClient(`http://127.0.0.1:${port}/ws`, {
      WebSocket: WebSocket as unknown as EtpWebSocketClass,
      reconnect: false,
      recovery: false,
    });
    clients.push(client);
    await client.connect();
    expect(client.connected).toBe(true);
  });

  test('with no WebSocket given and none global, says so at construction', () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = global.WebSocket;
    delete global.WebSocket;
    try {
      expect(() => new EtpBrowserClient('ws://127.0.0.1:1/ws')).toThrow(
        'No global WebSocket here: pass one as options.WebSocket',
      );
    } finally {
      if (saved !== undefined) global.WebSocket = saved;
    }
  });

  test('a relative URL is resolved against the page, its http becoming ws', async () => {
    const global = globalThis as { location?: { href: string } };
    const port = new URL(server.url).port;
    global.location = { href: `http://127.0.0.1:${port}/app/index.html` };
    let path: string | undefined;
    server.wss.once('headers', (_headers, request) => (path = request.url));
    try {
      const client = new EtpBrowserClient('/ws?room=a', { WebSocket: WS, reconnect: false });
      clients.push(client);
      await client.connect();
      expect(client.connected).toBe(true);
      expect(path).toMatch(/^\/ws\?room=a/);
    } finally {
      delete global.location;
    }
  });

  test('a relative URL with no page to resolve it against is refused at construction', () => {
    expect(() => new EtpBrowserClient('/ws', { WebSocket: WS })).toThrow('Invalid URL');
  });

  test('connect(url) resolves a new URL the same way, http standing for ws', async () => {
    const client = new EtpBrowserClient('ws://127.0.0.1:1/ws', {
      WebSocket: WS,
      reconnect: false,
      recovery: false,
    });
    clients.push(client);
    await client.connect(server.url.replace('ws:', 'http:'));
    expect(client.connected).toBe(true);
    expect(server.peers).toHaveLength(1);
  });

  test('writes only errors to the console: a failing handler, not what the server sends wrong', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const client = new EtpBrowserClient(server.url, {
      WebSocket: WS,
      reconnect: false,
      recovery: false,
    });
    clients.push(client);
    const errors: Error[] = [];
    client.onError((failure) => void errors.push(failure));
    client.on('boom', () => {
      throw new Error('handler broke');
    });
    await client.connect();
    const peer = await server.peer();
    peer.send('nodelimiter');
    peer.send('boom||0||1');
    await until(() => errors.length === 2);
    expect(error).toHaveBeenCalledTimes(1);
    const [message, cause] = error.mock.calls[0] as [string, Error];
    expect(message).toContain('boom');
    expect(cause.cause).toEqual(new Error('handler broke'));
    expect(warn).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });
});
