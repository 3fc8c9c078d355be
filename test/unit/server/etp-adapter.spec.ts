import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import { Logger, type WsMessageHandler } from '@nestjs/common';
import { of } from 'rxjs';
import { WebSocket } from 'ws';
import { EtpAdapter } from '../../../src/server/etp-adapter.js';
import { freePort } from '../../support/redis-server.js';
import { attempt } from './support/handshakes.js';

describe('EtpAdapter', () => {
  let http: Server;
  let adapter: EtpAdapter;
  let base: string;
  const clients: WebSocket[] = [];

  beforeEach(async () => {
    http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
    adapter = new EtpAdapter(http);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    for (const client of clients.splice(0)) client.terminate();
    await adapter.dispose();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  test('a gateway on port 0 shares the application’s HTTP server, at its path', async () => {
    const server = adapter.create(0, { path: '/chat', heartbeat: false });
    expect(server.path).toBe('/chat');
    expect(await attempt(`${base}/chat`)).toBe('open');
    expect(await attempt(`${base}/other`)).toBe(404);
    expect(adapter.gatewayStatus()).toEqual([
      {
        path: '/chat',
        port: (http.address() as AddressInfo).port,
        listening: true,
        connections: expect.any(Number),
      },
    ]);
    await adapter.close(server);
  });

  test('binds Nest’s handlers and connect and disconnect callbacks to each connection', async () => {
    const server = adapter.create(0, { path: '/ws', heartbeat: false });
    const events: string[] = [];
    adapter.bindClientConnect(server, (socket, handshake) => {
      events.push(`connect ${handshake.url}`);
      adapter.bindClientDisconnect(socket, (reason) => events.push(`disconnect ${reason}`));
      const handlers = [
        { message: 'echo', callback: async (body: unknown) => body },
      ] as unknown as WsMessageHandler[];
      adapter.bindMessageHandlers(socket, handlers, (data) => of(data));
    });
    const client = new WebSocket(`${base}/ws`);
    clients.push(client);
    const answer = new Promise<string>((resolve) =>
      client.once('message', (data) => resolve(String(data))),
    );
    await new Promise((resolve) => client.once('open', resolve));
    client.send('echo||3||hi');
    expect(await answer).toBe('__ack_echo||3||hi');
    const closed = new Promise((resolve) => client.once('close', resolve));
    client.close();
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual(['connect /ws', 'disconnect client closed']);
    await adapter.close(server);
  });

  test('closeClient closes with 1013 "try again later", for a connection made while starting', async () => {
    const server = adapter.create(0, { path: '/ws', heartbeat: false });
    adapter.bindClientConnect(server, (socket) => adapter.closeClient(socket));
    const client = new WebSocket(`${base}/ws`);
    clients.push(client);
    const [code, reason] = await new Promise<[number, string]>((resolve) =>
      client.once('close', (closeCode, closeReason) => resolve([closeCode, String(closeReason)])),
    );
    expect([code, reason]).toEqual([1013, 'try again later']);
    await adapter.close(server);
  });

  test('a closed gateway answers its path 503 (the app is closing) and leaves the status', async () => {
    const server = adapter.create(0, { path: '/ws', heartbeat: false });
    await adapter.close(server);
    expect(await attempt(`${base}/ws`)).toBe(503);
    expect(adapter.gatewayStatus()).toEqual([]);
  });

  test('a gateway with a port of its own gets an HTTP server that answers plain requests 426', async () => {
    const port = await freePort();
    const server = adapter.create(port, { path: '/ws', heartbeat: false });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await attempt(`ws://127.0.0.1:${port}/ws`)).toBe('open');
    const status = await new Promise<number>((resolve, reject) => {
      const plain = httpRequest({ host: '127.0.0.1', port, path: '/ws' }, (response) => {
        resolve(response.statusCode ?? 0);
        response.resume();
      });
      plain.on('error', reject);
      plain.end();
    });
    expect(status).toBe(426);
    await adapter.close(server);
  });

  test('refuses what it cannot serve: namespaces, port 0 with no HTTP server, a bad authorize', () => {
    expect(() => adapter.create(0, { namespace: '/ns' } as never)).toThrow(/namespaces/);
    expect(() => new EtpAdapter().create(0, {})).toThrow(/no.*HTTP server|there is none/);
    expect(() => adapter.create(0, { path: '/a', authorize: 42 as never })).toThrow(
      /authorize option of the gateway on \/a/,
    );
  });

  test('warns of an option it does not know, with a hint for the usual mistakes', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const server = adapter.create(0, {
      path: '/ws',
      heartbeat: false,
      verifyClient: () => true,
      colour: 'blue',
    } as never);
    expect(warn.mock.calls.map(([message]) => message)).toEqual([
      'Unknown ETP gateway option "verifyClient" is ignored: use authorize',
      'Unknown ETP gateway option "colour" is ignored',
    ]);
    await adapter.close(server);
  });

  test('says whether a handler answers by hand (@Ack)', () => {
    expect(adapter.isAckHandledManually({ isAckHandledManually: true } as WsMessageHandler)).toBe(
      true,
    );
    expect(adapter.isAckHandledManually({} as WsMessageHandler)).toBe(false);
  });
});
