import 'reflect-metadata';
import {
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import WebSocket from 'ws';
import {
  DisconnectReason,
  EtpConnectionClosedError,
  EtpModule,
  EtpServer,
  isNormalClose,
  type EtpHandshake,
  type EtpSocket,
} from '../../../src/index.js';
import { eventually, startApp, type TestApp } from '../../support/app.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';

interface Ended {
  socket: EtpSocket;
  reason: string | undefined;
}

@WebSocketGateway({ path: '/ws', maxPayload: 1024, heartbeat: { interval: 100, timeout: 100 } })
class LifecycleGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  @WebSocketServer() server!: EtpServer;
  initServer: EtpServer | undefined;
  readonly connected: Array<{ socket: EtpSocket; request: EtpHandshake }> = [];
  readonly ended: Ended[] = [];
  pendingAsk: Promise<unknown> | undefined;

  afterInit(server: EtpServer) {
    this.initServer = server;
  }

  handleConnection(socket: EtpSocket, request: EtpHandshake) {
    this.connected.push({ socket, request });
  }

  handleDisconnect(socket: EtpSocket, reason?: string) {
    this.ended.push({ socket, reason });
  }

  @SubscribeMessage('ask-and-wait')
  askAndWait(socket: EtpSocket) {
    this.pendingAsk = socket
      .emitWithAck('never-answered', undefined, { timeout: 0 })
      .catch((error: unknown) => error);
    return 'asked';
  }

  @SubscribeMessage('close-me')
  closeMe(socket: EtpSocket) {
    socket.close(4000, 'bye from server');
  }
}

describe('gateway lifecycle', () => {
  let app: TestApp;
  let gateway: LifecycleGateway;

  beforeAll(async () => {
    app = await startApp([EtpModule.forRoot()], [LifecycleGateway]);
    gateway = app.app.get(LifecycleGateway);
  });
  afterAll(async () => {
    await app.app.close();
  });

  const lastEnded = async (socketId: string): Promise<Ended> => {
    await eventually(() => gateway.ended.some((one) => one.socket.id === socketId));
    return gateway.ended.find((one) => one.socket.id === socketId)!;
  };

  const connect = async (): Promise<{ client: RawClient; socket: EtpSocket }> => {
    const before = gateway.connected.length;
    const client = await RawClient.connect(wsUrl(app.port) + '?token=abc');
    await eventually(() => gateway.connected.length > before);
    return { client, socket: gateway.connected[gateway.connected.length - 1].socket };
  };

  it('calls afterInit with the EtpServer that @WebSocketServer() also receives', () => {
    expect(gateway.initServer).toBeInstanceOf(EtpServer);
    expect(gateway.server).toBe(gateway.initServer);
  });

  it('calls handleConnection with the socket and the handshake request', async () => {
    const { client, socket } = await connect();
    const { request } = gateway.connected[gateway.connected.length - 1];
    expect(socket.id).toMatch(/^[0-9a-f]{32}$/);
    expect(socket.request).toBe(request);
    expect(request.url).toBe('/ws?token=abc');
    expect(gateway.server.sockets.get(socket.id)).toBe(socket);
    await client.close();
  });

  it('does not look like a native WebSocket to Nest (no numeric readyState with send)', async () => {
    const { client, socket } = await connect();
    const shape = socket as unknown as Record<string, unknown>;
    expect(typeof shape.readyState === 'number' && typeof shape.send === 'function').toBe(false);
    await client.close();
  });

  it('gives every connection its own id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const { client, socket } = await connect();
      ids.add(socket.id);
      await client.close();
    }
    expect(ids.size).toBe(5);
  });

  it('reports a client close as "client closed", with code and text on the socket', async () => {
    const { client, socket } = await connect();
    await client.close(1000, 'done here');
    const ended = await lastEnded(socket.id);
    expect(ended.reason).toBe(DisconnectReason.ClientClosed);
    expect(socket.closeCode).toBe(1000);
    expect(socket.closeReason).toBe('done here');
    expect(socket.isNormalClose()).toBe(true);
    expect(isNormalClose(socket)).toBe(true);
    expect(gateway.server.sockets.has(socket.id)).toBe(false);
  });

  it('reports a close without a status as a normal client close (1005)', async () => {
    const { client, socket } = await connect();
    await client.close();
    const ended = await lastEnded(socket.id);
    expect(ended.reason).toBe('client closed');
    expect(socket.closeCode).toBe(1005);
    expect(socket.isNormalClose()).toBe(true);
  });

  it('reports a server close as "server closed"', async () => {
    const { client, socket } = await connect();
    client.send('close-me||0');
    expect(await client.closed).toBe(4000);
    expect(client.closeReason).toBe('bye from server');
    const ended = await lastEnded(socket.id);
    expect(ended.reason).toBe(DisconnectReason.ServerClosed);
    expect(socket.closeCode).toBe(4000);
    expect(socket.isNormalClose()).toBe(false);
  });

  it('reports a peer that vanishes as "transport error" and rejects what waits on it', async () => {
    const { client, socket } = await connect();
    await client.request('ask-and-wait||1', '__ack_ask-and-wait', 1);
    await client.next('never-answered||1');
    client.ws.terminate();
    const ended = await lastEnded(socket.id);
    expect(ended.reason).toBe(DisconnectReason.TransportError);
    expect(socket.closeCode).toBe(1006);
    expect(socket.isNormalClose()).toBe(false);
    const error = await gateway.pendingAsk;
    expect(error).toBeInstanceOf(EtpConnectionClosedError);
    expect((error as Error).message).toBe('Event "never-answered" failed: transport error');
  });

  it('closes a message over the read limit with 1009 and says "message too big"', async () => {
    const { client, socket } = await connect();
    client.send(`big||0||${'x'.repeat(2048)}`);
    expect(await client.closed).toBe(1009);
    const ended = await lastEnded(socket.id);
    expect(ended.reason).toBe(DisconnectReason.MessageTooBig);
    expect(socket.closeCode).toBe(1009);
    expect(socket.closeError).toBeInstanceOf(RangeError);
  });

  it('drops a peer that stops answering pings with "heartbeat timeout"', async () => {
    const before = gateway.connected.length;
    // autoPong off: this client never answers the server's pings.
    const ws = new WebSocket(wsUrl(app.port), { autoPong: false });
    await new Promise((resolve) => ws.once('open', resolve));
    await eventually(() => gateway.connected.length > before);
    const socket = gateway.connected[gateway.connected.length - 1].socket;
    const ended = await lastEnded(socket.id);
    expect(ended.reason).toBe(DisconnectReason.HeartbeatTimeout);
    expect(socket.isNormalClose()).toBe(false);
    ws.terminate();
  });

  it('keeps a peer that answers pings', async () => {
    const { client, socket } = await connect();
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(socket.connected).toBe(true);
    await socket.ping({ timeout: 1_000 });
    await client.close();
  });
});

describe('isNormalClose', () => {
  it('tells normal statuses from failures', () => {
    expect([1000, 1001, 1005].map((code) => isNormalClose(code))).toEqual([true, true, true]);
    expect([1006, 1009, 1011, 4000].map((code) => isNormalClose(code))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(isNormalClose(undefined)).toBe(false);
  });
});
