import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
} from '@nestjs/websockets';
import {
  ETP_UNKNOWN_EVENT,
  EtpEventName,
  EtpModule,
  EtpRoomsService,
  EtpServer,
  type EtpSocket,
} from '../../src/index.js';
import { eventually, startApp } from '../support/app.js';
import { RawClient, wsUrl } from '../support/raw-client.js';
import { closeAfterTest } from '../support/cleanup.js';

/** A gateway written as design.md shows it, recording what the reference's own test counts. */
@WebSocketGateway({ path: '/ws' })
class AcceptanceGateway implements OnGatewayConnection, OnGatewayDisconnect {
  @WebSocketServer() server!: EtpServer;
  connects = 0;
  disconnects = 0;
  readonly events: Array<{ event: string; body: unknown }> = [];
  clientAnswer: unknown;

  constructor(private readonly rooms: EtpRoomsService) {}

  handleConnection(socket: EtpSocket, _request: IncomingMessage) {
    this.connects++;
    this.rooms.join(socket, 'goodClients');
    socket.data.set('key', 'value');
  }

  handleDisconnect(_socket: EtpSocket, _reason?: string) {
    this.disconnects++;
  }

  @SubscribeMessage('plain')
  plain(@MessageBody() body: unknown) {
    this.events.push({ event: 'plain', body });
  }

  @SubscribeMessage('ack-no-data')
  ackNoData(@MessageBody() body: unknown) {
    this.events.push({ event: 'ack-no-data', body });
    return 'got it';
  }

  @SubscribeMessage('ask-back')
  async askBack(@ConnectedSocket() socket: EtpSocket, @MessageBody() body: unknown) {
    this.events.push({ event: 'ask-back', body });
    this.clientAnswer = await socket.emitWithAck('server-question', 'what is your name?');
  }

  @SubscribeMessage(ETP_UNKNOWN_EVENT)
  unknown(@EtpEventName() event: string, @MessageBody() body: unknown) {
    this.events.push({ event: `unknown:${event}`, body });
  }
}

describe("the reference's acceptance scenario", () => {
  it('plain event, ack without data, a nested request, an unknown event, one connect and one disconnect', async () => {
    const { app, port } = await startApp([EtpModule.forRoot()], [AcceptanceGateway]);
    closeAfterTest(app);
    const gateway = app.get(AcceptanceGateway);
    const client = await RawClient.connect(wsUrl(port));
    await eventually(() => gateway.connects === 1);

    client.send('plain||0||fire and forget');

    expect(await client.request('ack-no-data||1', '__ack_ack-no-data', 1)).toBe(
      '__ack_ack-no-data||1||got it',
    );

    // The client waits for its own ack while the handler asks the client.
    const ownAck = client.next('__ack_ask-back||2');
    client.send('ask-back||2||hi');
    expect(await client.next('server-question||')).toBe('server-question||1||what is your name?');
    client.send('__ack_server-question||1||gopher');
    expect(await ownAck).toBe('__ack_ask-back||2');
    expect(gateway.clientAnswer).toBe('gopher');

    client.send('unknown event||0');
    await eventually(() => gateway.events.length === 4);
    expect(gateway.events).toEqual([
      { event: 'plain', body: 'fire and forget' },
      { event: 'ack-no-data', body: undefined },
      { event: 'ask-back', body: 'hi' },
      { event: 'unknown:unknown event', body: undefined },
    ]);

    await client.close();
    await eventually(() => gateway.disconnects === 1);
    expect(gateway.connects).toBe(1);
    expect(gateway.disconnects).toBe(1);
    await app.close();
  });
});

describe('many clients at once', () => {
  it('100 clients connect, join rooms, close at once, and every room is empty after', async () => {
    const { app, port } = await startApp([EtpModule.forRoot()], [AcceptanceGateway]);
    closeAfterTest(app);
    const gateway = app.get(AcceptanceGateway);
    const rooms = app.get(EtpRoomsService);

    const clients = await Promise.all(
      Array.from({ length: 100 }, () => RawClient.connect(wsUrl(port))),
    );
    await eventually(() => gateway.connects === 100);
    expect(rooms.size('goodClients')).toBe(100);
    expect(gateway.server.size).toBe(100);
    expect(rooms.to('goodClients').emit('hello-all', 'x')).toBe(100);
    await Promise.all(clients.map((client) => client.next('hello-all||0||x')));

    await Promise.all(clients.map((client) => client.close()));
    await eventually(() => gateway.disconnects === 100);
    expect(rooms.list()).toEqual([]);
    expect(rooms.size('goodClients')).toBe(0);
    expect(rooms.allSockets()).toEqual([]);
    expect(gateway.server.size).toBe(0);
    await app.close();
  });
});
