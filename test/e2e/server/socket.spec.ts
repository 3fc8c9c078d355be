import 'reflect-metadata';
import { Inject, Injectable, Scope } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
} from '@nestjs/websockets';
import {
  EtpAckTimeoutError,
  EtpAdapter,
  EtpConnectionClosedError,
  EtpModule,
  EtpServer,
  type EtpSocket,
} from '../../../src/index.js';
import { eventually, startApp, type TestApp } from '../../support/app.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';

@WebSocketGateway({ path: '/ws', ackTimeout: 100 })
class SocketGateway implements OnGatewayConnection {
  @WebSocketServer() server!: EtpServer;
  readonly sockets: EtpSocket[] = [];

  handleConnection(socket: EtpSocket) {
    this.sockets.push(socket);
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerConnection {
  constructor(@Inject(REQUEST) readonly socket: EtpSocket) {}
}

@WebSocketGateway({ path: '/scoped' })
class ScopedGateway {
  constructor(private readonly perConnection: PerConnection) {}

  @SubscribeMessage('same')
  same(@ConnectedSocket() socket: EtpSocket, @MessageBody() _body: unknown) {
    return this.perConnection.socket === socket;
  }
}

describe('EtpSocket and EtpServer', () => {
  let app: TestApp;
  let gateway: SocketGateway;

  beforeAll(async () => {
    app = await startApp([EtpModule.forRoot()], [SocketGateway, ScopedGateway, PerConnection]);
    gateway = app.app.get(SocketGateway);
  });
  afterAll(async () => {
    await app.app.close();
  });

  async function connect(): Promise<{ client: RawClient; socket: EtpSocket }> {
    const before = gateway.sockets.length;
    const client = await RawClient.connect(wsUrl(app.port));
    await eventually(() => gateway.sockets.length > before);
    return { client, socket: gateway.sockets[gateway.sockets.length - 1] };
  }

  it('emits events with and without data', async () => {
    const { client, socket } = await connect();
    expect(socket.emit('plain')).toBe(true);
    expect(socket.emit('obj', { a: 1 })).toBe(true);
    expect(await client.next('plain')).toBe('plain||0');
    expect(await client.next('obj||')).toBe('obj||0||{"a":1}');
    await client.close();
    expect(socket.emit('late')).toBe(false);
  });

  it('numbers its own requests and decodes the answer with the gateway codec', async () => {
    const { client, socket } = await connect();
    const first = socket.emitWithAck('q', 'one');
    const second = socket.emitWithAck('q', 'two');
    expect(await client.next('q||1||one')).toBe('q||1||one');
    expect(await client.next('q||2||two')).toBe('q||2||two');
    client.send('__ack_q||2||{"n":2}');
    client.send('__ack_q||1');
    expect(await second).toEqual({ n: 2 });
    expect(await first).toBeUndefined();
    await client.close();
  });

  it('times out with the gateway default, or the one given', async () => {
    const { client, socket } = await connect();
    await expect(socket.emitWithAck('silent')).rejects.toThrow(
      new EtpAckTimeoutError('silent', 100),
    );
    await expect(socket.emitWithAck('silent', null, { timeout: 20 })).rejects.toThrow(
      new EtpAckTimeoutError('silent', 20),
    );
    await expect(socket.emitWithAck('silent', null, { timeout: undefined })).rejects.toThrow(
      new EtpAckTimeoutError('silent', 100),
    );
    // A late answer to a request that timed out is dropped.
    client.send('__ack_silent||1||late');
    expect(socket.emit('still-open')).toBe(true);
    await client.close();
  });

  it('stops waiting when the AbortSignal fires', async () => {
    const { client, socket } = await connect();
    const controller = new AbortController();
    const request = socket.emitWithAck('q', 1, { signal: controller.signal, timeout: 0 });
    await client.next('q||1||1');
    controller.abort(new Error('user left the page'));
    await expect(request).rejects.toThrow('user left the page');
    await client.close();
  });

  it('rejects emitWithAck on a closed connection with a clear error', async () => {
    const { client, socket } = await connect();
    await client.close();
    await eventually(() => !socket.connected);
    await expect(socket.emitWithAck('q')).rejects.toThrow(EtpConnectionClosedError);
    await expect(socket.ping()).rejects.toThrow(EtpConnectionClosedError);
  });

  it('broadcasts to every connection of the gateway with EtpServer.emit', async () => {
    const one = await connect();
    const two = await connect();
    expect(gateway.server.emit('everyone', 'hi')).toBe(2);
    expect(await one.client.next('everyone||')).toBe('everyone||0||hi');
    expect(await two.client.next('everyone||')).toBe('everyone||0||hi');
    await one.client.close();
    await two.client.close();
  });

  it('gives REQUEST-scoped providers the same socket object', async () => {
    const client = await RawClient.connect(wsUrl(app.port, '/scoped'));
    expect(await client.request('same||1', '__ack_same', 1)).toBe('__ack_same||1||true');
    await client.close();
  });

  it('drops a client Nest could not serve yet with 1013', async () => {
    const { client, socket } = await connect();
    new EtpAdapter().closeClient(socket);
    expect(await client.closed).toBe(1013);
  });

  it('tells Nest which handlers answer by hand', () => {
    const adapter = new EtpAdapter();
    const callback = () => Promise.resolve();
    expect(
      adapter.isAckHandledManually({ message: 'a', callback, isAckHandledManually: true }),
    ).toBe(true);
    expect(
      adapter.isAckHandledManually({ message: 'a', callback, isAckHandledManually: false }),
    ).toBe(false);
  });
});
