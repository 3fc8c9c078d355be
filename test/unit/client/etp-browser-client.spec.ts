import { WebSocket } from 'ws';
import { EtpBrowserClient } from '../../../src/client/etp-browser-client.js';
import type { EtpWebSocketClass } from '../../../src/client/browser-transport.js';
import { TestServer, until } from './transport-harness.js';

describe('EtpBrowserClient', () => {
  let server: TestServer;
  const clients: EtpBrowserClient[] = [];

  beforeEach(async () => {
    server = await TestServer.start();
  });

  afterEach(async () => {
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
});
