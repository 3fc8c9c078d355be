import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { jsonCodec } from '../../../src/protocol/codec.js';
import type {
  ConnectionAdmission,
  ConnectionRegistry,
} from '../../../src/server/connection-registry.js';
import { EtpServer } from '../../../src/server/etp-server.js';
import type { EtpSocket } from '../../../src/server/etp-socket.js';
import type { EtpGatewayOptions } from '../../../src/server/options.js';
import { quietLogger } from './support/handshakes.js';

const quiet = quietLogger();

/** A client that records every message and how it closed. */
class Peer {
  readonly messages: string[] = [];
  closed: Promise<{ code: number; reason: string }>;
  readonly ws: WebSocket;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data) => this.messages.push(String(data)));
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    this.ws.on('error', () => undefined);
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_request, response) =>
        reject(new Error(`refused with ${response.statusCode}`)),
      );
    });
  }

  async next(): Promise<string> {
    for (let i = 0; i < 200 && this.messages.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.messages.shift()!;
  }
}

/** A registry that records what it is told. */
class RecordingRegistry implements ConnectionRegistry {
  readonly told: string[] = [];
  admission: ConnectionAdmission | undefined;

  admit(): Promise<ConnectionAdmission> | undefined {
    return this.admission === undefined ? undefined : Promise.resolve(this.admission);
  }

  connected(socket: EtpSocket, admission?: ConnectionAdmission): void {
    this.told.push(`connected ${admission?.recovered ?? '-'}`);
    void socket;
  }

  disconnected(): void {
    this.told.push('disconnected');
  }

  roomsOf(): ReadonlySet<string> {
    return new Set(['lobby']);
  }
}

describe('EtpServer', () => {
  let http: Server;
  let server: EtpServer;
  let url: string;
  const peers: Peer[] = [];

  async function start(
    options: EtpGatewayOptions = {},
    registry?: ConnectionRegistry,
  ): Promise<void> {
    server = new EtpServer({ path: '/ws', heartbeat: false, ...options }, quiet, registry);
    http = createServer();
    http.on('upgrade', (request, stream, head) => server.handleUpgrade(request, stream, head));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws`;
  }

  async function peer(): Promise<Peer> {
    const one = new Peer(url);
    peers.push(one);
    await one.opened();
    return one;
  }

  afterEach(async () => {
    for (const one of peers.splice(0)) one.ws.terminate();
    await server?.close();
    if (http !== undefined) {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });

  test('exposes its resolved options; bad options fail at construction', () => {
    const made = new EtpServer(
      { path: '/chat', codec: jsonCodec, ackTimeout: 1_500, heartbeat: false },
      quiet,
      undefined,
    );
    expect([made.path, made.codec, made.ackTimeout]).toEqual(['/chat', jsonCodec, 1_500]);
    expect(made.maxBufferedBytes).toBe(4 * 1024 * 1024);
    expect(made.size).toBe(0);
    void made.close();
    expect(() => new EtpServer({ maxBufferedBytes: -1 }, quiet, undefined)).toThrow(
      /maxBufferedBytes/,
    );
  });

  test('runs each connection callback with the socket and its handshake, and keeps it by id', async () => {
    await start();
    const seen: string[] = [];
    server.addConnectionCallback((socket, handshake) => seen.push(`one ${handshake.url}`));
    server.addConnectionCallback((socket) => seen.push(`two ${socket.id.length}`));
    await peer();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual(['one /ws', 'two 32']);
    expect(server.size).toBe(1);
    const [socket] = server.sockets.values();
    expect(server.sockets.get(socket.id)).toBe(socket);
  });

  test('a connection callback that throws ends that connection, and the throw goes no further', async () => {
    await start();
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      server.addConnectionCallback(() => {
        throw new Error('setup broke');
      });
      const a = new Peer(url);
      peers.push(a);
      expect((await a.closed).code).toBe(1006);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(uncaught).toEqual([]);
      expect(server.size).toBe(0);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  test('emit writes one frame to every connection and says how many got it', async () => {
    await start();
    const a = await peer();
    const b = await peer();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.emit('news', { n: 1 })).toBe(2);
    expect([await a.next(), await b.next()]).toEqual(['news||0||{"n":1}', 'news||0||{"n":1}']);
  });

  test('tells its registry of each connection and its end; rooms come from the registry', async () => {
    const registry = new RecordingRegistry();
    await start({}, registry);
    const a = await peer();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [socket] = server.sockets.values();
    expect(server.roomsOf(socket)).toEqual(new Set(['lobby']));
    expect(server.registry).toBe(registry);
    a.ws.close();
    await a.closed;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(registry.told).toEqual(['connected -', 'disconnected']);
    expect(server.size).toBe(0);
  });

  test('without a registry a socket is in no room; observe sets one, once', async () => {
    await start();
    await peer();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [socket] = server.sockets.values();
    expect(server.roomsOf(socket).size).toBe(0);
    const first = new RecordingRegistry();
    server.observe(first);
    server.observe(new RecordingRegistry());
    expect(server.registry).toBe(first);
  });

  test('an admitted connection gets the __etp_hello frame before anything else', async () => {
    const registry = new RecordingRegistry();
    registry.admission = { recovered: true };
    await start({}, registry);
    server.addConnectionCallback((socket) => socket.emit('welcome', 'hi'));
    const a = await peer();
    const hello = await a.next();
    const [socket] = server.sockets.values();
    expect(hello).toBe(`__etp_hello||0||{"recovered":true,"id":"${socket.id}"}`);
    expect(await a.next()).toBe('welcome||0||hi');
    expect(socket.recovered).toBe(true);
    expect(registry.told).toEqual(['connected true']);
  });

  test('close ends every connection with 1000 "server shutdown" and refuses new ones with 503', async () => {
    await start();
    const a = await peer();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await server.close();
    expect(await a.closed).toEqual({ code: 1000, reason: 'server shutdown' });
    await expect(new Peer(url).opened()).rejects.toThrow('refused with 503');
  });

  test('shutdownCloseCode 1001 is what the connections get at close', async () => {
    await start({ shutdownCloseCode: 1001 });
    const a = await peer();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await server.close();
    expect((await a.closed).code).toBe(1001);
  });
});
