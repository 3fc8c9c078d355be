import 'reflect-metadata';
import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
} from '@nestjs/websockets';
import {
  autoCodec,
  EtpModule,
  EtpRoomsService,
  type EtpPayloadCodec,
  type EtpSocket,
} from '../../../src/index.js';
import { eventually, startApp, type TestApp } from '../../support/app.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';

/** The default codec, counting how often it encodes: a broadcast must encode once. */
let encodes = 0;
const countingCodec: EtpPayloadCodec = {
  name: 'counting',
  decode: (data) => autoCodec.decode(data),
  encode: (value) => {
    encodes++;
    return autoCodec.encode(value);
  },
};

@WebSocketGateway({ path: '/ws', codec: countingCodec })
class RoomsGateway implements OnGatewayConnection {
  constructor(private readonly rooms: EtpRoomsService) {}

  handleConnection(socket: EtpSocket) {
    this.rooms.join(socket, 'everyone');
  }

  @SubscribeMessage('join')
  join(@ConnectedSocket() socket: EtpSocket, @MessageBody() room: string) {
    this.rooms.join(socket, room);
    return socket.id;
  }

  @SubscribeMessage('leave')
  leave(@ConnectedSocket() socket: EtpSocket, @MessageBody() room: string) {
    this.rooms.leave(socket, room);
    return 'left';
  }

  @SubscribeMessage('say')
  say(@ConnectedSocket() socket: EtpSocket, @MessageBody() body: { room: string; text: string }) {
    return this.rooms.to(body.room).except(socket).emit('said', body.text);
  }
}

@Controller('rooms')
class RoomsController {
  constructor(private readonly rooms: EtpRoomsService) {}

  @Post(':room/messages')
  @HttpCode(200)
  post(@Param('room') room: string, @Body() body: { text: string }) {
    return { sent: this.rooms.to(room).emit('news', body.text) };
  }
}

describe('EtpRoomsService', () => {
  let app: TestApp;
  let rooms: EtpRoomsService;
  const clients: RawClient[] = [];

  /** Connects a client and returns it with its socket id. */
  async function connect(...joinRooms: string[]): Promise<{ client: RawClient; id: string }> {
    const client = await RawClient.connect(wsUrl(app.port));
    clients.push(client);
    let id = '';
    for (const [index, room] of joinRooms.entries()) {
      const answer = await client.request(`join||${index + 1}||${room}`, '__ack_join', index + 1);
      id = answer.split('||')[2];
    }
    if (id === '') {
      const answer = await client.request('join||99||lobby', '__ack_join', 99);
      id = answer.split('||')[2];
      rooms.leave(id, 'lobby');
    }
    return { client, id };
  }

  beforeAll(async () => {
    app = await startApp([EtpModule.forRoot()], [RoomsGateway], {
      controllers: [RoomsController],
    });
    rooms = app.app.get(EtpRoomsService);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await eventually(() => rooms.allSockets().length === 0);
  });
  afterAll(async () => {
    await app.app.close();
  });

  it('joins, counts, lists and finds connections', async () => {
    const a = await connect('red', 'blue');
    const b = await connect('blue');
    expect(rooms.size('red')).toBe(1);
    expect(rooms.size('blue')).toBe(2);
    expect(rooms.size('green')).toBe(0);
    expect(rooms.list().sort()).toEqual(['blue', 'everyone', 'red']);
    expect(
      rooms
        .socketsOf('red', 'blue')
        .map((socket) => socket.id)
        .sort(),
    ).toEqual([a.id, b.id].sort());
    expect(rooms.allSockets()).toHaveLength(2);
    const socket = rooms.get(a.id)!;
    expect(socket.id).toBe(a.id);
    expect([...socket.rooms].sort()).toEqual(['blue', 'everyone', 'red']);
    expect(rooms.get('no-such-id')).toBeUndefined();
  });

  it('leaves rooms by socket or by id, and a room with nobody left is gone', async () => {
    const a = await connect('red', 'blue');
    rooms.leave(a.id, 'red');
    expect(rooms.size('red')).toBe(0);
    expect(rooms.list()).not.toContain('red');
    rooms.leave(rooms.get(a.id)!);
    expect(rooms.list()).toEqual([]);
    expect(rooms.get(a.id)!.rooms.size).toBe(0);
  });

  it('clears rooms', async () => {
    await connect('red', 'blue');
    await connect('red');
    rooms.clear('red');
    expect(rooms.size('red')).toBe(0);
    expect(rooms.size('blue')).toBe(1);
    rooms.clear();
    expect(rooms.list()).toEqual([]);
  });

  it('takes a connection out of every room when it disconnects', async () => {
    const a = await connect('red', 'blue');
    const b = await connect('blue');
    clients.splice(clients.indexOf(a.client), 1);
    await a.client.close();
    await eventually(() => rooms.get(a.id) === undefined);
    expect(rooms.size('red')).toBe(0);
    expect(rooms.list()).not.toContain('red');
    expect(rooms.socketsOf('blue').map((socket) => socket.id)).toEqual([b.id]);
  });

  it('broadcasts to rooms except rooms and sockets, encoding the frame once', async () => {
    const a = await connect('red');
    const b = await connect('red', 'muted');
    const c = await connect('red', 'blue');
    const d = await connect('blue');
    encodes = 0;
    const sent = rooms.to('red', 'blue').except('muted', rooms.get(a.id)!).emit('news', { n: 1 });
    expect(sent).toBe(2);
    expect(encodes).toBe(1);
    expect(await c.client.next('news||')).toBe('news||0||{"n":1}');
    expect(await d.client.next('news||')).toBe('news||0||{"n":1}');
    expect(await a.client.request('join||50||x', '__ack_join', 50)).toBeDefined();
    expect(await b.client.request('join||50||x', '__ack_join', 50)).toBeDefined();
    expect(a.client.received.filter((f) => f.startsWith('news'))).toEqual([]);
    expect(b.client.received.filter((f) => f.startsWith('news'))).toEqual([]);
  });

  it('reaches each socket once, however many of the rooms it is in', async () => {
    const a = await connect('red', 'blue');
    expect(rooms.to('red').to('blue').emit('once', 'x')).toBe(1);
    expect(await a.client.next('once||')).toBe('once||0||x');
  });

  it('reaches nobody with to() and no room, and everybody with emit()', async () => {
    const a = await connect('red');
    const b = await connect();
    expect(rooms.to().emit('nobody')).toBe(0);
    expect(rooms.emit('all', 'hi')).toBe(2);
    expect(rooms.except('red').emit('not-red', 1)).toBe(1);
    expect(await a.client.next('all||')).toBe('all||0||hi');
    expect(await b.client.next('all||')).toBe('all||0||hi');
    expect(await b.client.next('not-red||')).toBe('not-red||0||1');
  });

  it('lets a gateway send to a room except the sender', async () => {
    const a = await connect('chat');
    const b = await connect('chat');
    expect(await a.client.request('say||7||{"room":"chat","text":"hi"}', '__ack_say', 7)).toBe(
      '__ack_say||7||1',
    );
    expect(await b.client.next('said||')).toBe('said||0||hi');
  });

  it('is injectable outside gateways: an HTTP controller posts to a room', async () => {
    const a = await connect('news');
    const response = await fetch(`http://127.0.0.1:${app.port}/rooms/news/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'extra!' }),
    });
    expect(await response.json()).toEqual({ sent: 1 });
    expect(await a.client.next('news||')).toBe('news||0||extra!');
  });
});
