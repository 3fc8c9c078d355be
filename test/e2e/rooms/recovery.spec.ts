import 'reflect-metadata';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
} from '@nestjs/websockets';
import { EtpModule, EtpRoomsService, type EtpSocket } from '../../../src/index.js';
import { startApp, type TestApp } from '../../support/app.js';
import { closeAfterTest } from '../../support/cleanup.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';

/** What `handleConnection` saw of each connection, by socket id. */
const seen = new Map<string, boolean>();

@WebSocketGateway({ path: '/ws' })
class ChatGateway implements OnGatewayConnection {
  constructor(private readonly rooms: EtpRoomsService) {}

  handleConnection(socket: EtpSocket) {
    seen.set(socket.id, socket.recovered);
    this.rooms.join(socket, 'chat', 'news');
  }

  @SubscribeMessage('say')
  say(@ConnectedSocket() socket: EtpSocket, @MessageBody() text: string) {
    this.rooms.to('chat').except(socket).emit('said', text);
    return 'ok';
  }

  @SubscribeMessage('leave')
  leave(@ConnectedSocket() socket: EtpSocket, @MessageBody() room: string) {
    this.rooms.leave(socket, room);
    return 'left';
  }
}

@Controller('chat')
class ChatController {
  constructor(private readonly rooms: EtpRoomsService) {}

  /** Sends each text to the rooms named, in order. */
  @Post()
  @HttpCode(200)
  send(@Body() body: { rooms: string[]; texts: string[] }) {
    for (const text of body.texts) this.rooms.to(...body.rooms).emit('said', text);
    return { sent: body.texts.length };
  }
}

type Position = [string, string, number];

/** The handshake value of the extension for a client that had `positions`. */
function state(positions: Position[], id?: string): string {
  return Buffer.from(JSON.stringify({ id, p: positions }), 'utf8').toString('base64url');
}

/** The header of a kept broadcast: [room, epoch, offset]. */
function header(frame: string): Position {
  return JSON.parse(frame.slice('__etp_b||0||'.length, frame.indexOf('\n'))) as Position;
}

function inner(frame: string): string {
  return frame.slice(frame.indexOf('\n') + 1);
}

describe('connection-state recovery (in-memory broker)', () => {
  let testApp: TestApp;

  async function start(maxMessages = 100): Promise<void> {
    testApp = await startApp(
      [EtpModule.forRoot({ recovery: { maxDisconnection: 60_000, maxMessages } })],
      [ChatGateway],
      { controllers: [ChatController] },
    );
    closeAfterTest(testApp.app);
  }

  async function post(rooms: string[], texts: string[]): Promise<void> {
    const response = await fetch(`http://127.0.0.1:${testApp.port}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rooms, texts }),
    });
    expect(response.status).toBe(200);
  }

  async function connect(query?: string): Promise<RawClient> {
    const url = wsUrl(testApp.port) + (query === undefined ? '' : `?__etp_recovery=${query}`);
    const client = await RawClient.connect(url);
    closeAfterTest(client);
    return client;
  }

  /** An opted-in client, once it knows its positions in both rooms. */
  async function optedIn(query = '1'): Promise<{
    client: RawClient;
    hello: { recovered: boolean; id: string };
    positions: Map<string, Position>;
  }> {
    const client = await connect(query);
    const first = await client.next(() => true);
    expect(first.startsWith('__etp_hello||0||')).toBe(true);
    const hello = JSON.parse(first.slice('__etp_hello||0||'.length)) as {
      recovered: boolean;
      id: string;
    };
    const positions = new Map<string, Position>();
    for (let i = 0; i < 2; i++) {
      const frame = await client.next('__etp_pos||0||');
      const position = JSON.parse(frame.slice('__etp_pos||0||'.length)) as Position;
      positions.set(position[0], position);
    }
    return { client, hello, positions };
  }

  afterEach(() => seen.clear());

  it('gives a plain client exactly the frames of today, and never an extension frame', async () => {
    await start();
    const plain = await connect();
    const { client: watcher } = await optedIn();
    await post(['chat'], ['one', 'two']);
    await watcher.next((frame) => frame.endsWith('said||0||two'));
    expect(await plain.next(() => true)).toBe('said||0||one');
    expect(await plain.next(() => true)).toBe('said||0||two');
    await plain.request('leave||7||"chat"', '__ack_leave', 7);
    expect(plain.received.filter((frame) => frame.startsWith('__etp_'))).toEqual([]);
  });

  it('tells an opted-in client its id and positions, then wraps each kept broadcast', async () => {
    await start();
    const { client, hello, positions } = await optedIn();
    expect(hello.recovered).toBe(false);
    expect(hello.id).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.get(hello.id)).toBe(false);
    const [, epoch, offset] = positions.get('chat')!;
    await post(['chat'], ['hi']);
    const frame = await client.next('__etp_b||');
    expect(header(frame)).toEqual(['chat', epoch, offset + 1]);
    expect(inner(frame)).toBe('said||0||hi');
    await client.request('leave||3||"news"', '__ack_leave', 3);
    expect(client.received).toContain('__etp_leave||0||["news"]');
  });

  it('replays what a reconnecting client missed, in order, once, before anything newer', async () => {
    await start();
    const first = await optedIn();
    await first.client.close();
    await post(['chat'], ['m1', 'm2', 'm3']);
    const back = await optedIn(state([...first.positions.values()], first.hello.id));
    expect(back.hello.recovered).toBe(true);
    expect(seen.get(back.hello.id)).toBe(true);
    await post(['chat'], ['m4']);
    const texts: string[] = [];
    for (let i = 0; i < 4; i++) texts.push(inner(await back.client.next('__etp_b||')));
    expect(texts).toEqual(['said||0||m1', 'said||0||m2', 'said||0||m3', 'said||0||m4']);
    const [, epoch, offset] = first.positions.get('chat')!;
    expect(back.positions.get('chat')).toEqual(['chat', epoch, offset + 3]);
  });

  it('replays a broadcast to several rooms once to a member of both', async () => {
    await start();
    const first = await optedIn();
    await first.client.close();
    await post(['chat', 'news'], ['both']);
    const back = await optedIn(state([...first.positions.values()], first.hello.id));
    expect(back.hello.recovered).toBe(true);
    await post(['news'], ['after']);
    expect(inner(await back.client.next('__etp_b||'))).toBe('said||0||both');
    expect(inner(await back.client.next('__etp_b||'))).toBe('said||0||after');
    expect(back.client.received.filter((frame) => frame.includes('"both"'))).toEqual([]);
  });

  it('does not replay what left the client out by its previous id', async () => {
    await start();
    const first = await optedIn();
    const other = await optedIn();
    await first.client.request('say||1||"mine"', '__ack_say', 1);
    await other.client.next((frame) => frame.endsWith('said||0||mine'));
    // The client closes before it read anything more: the position it had is before "mine".
    await first.client.close();
    const back = await optedIn(state([...first.positions.values()], first.hello.id));
    expect(back.hello.recovered).toBe(true);
    await post(['chat'], ['next']);
    expect(inner(await back.client.next('__etp_b||'))).toBe('said||0||next');
  });

  it('says recovered: false when more was missed than a room keeps', async () => {
    await start(3);
    const first = await optedIn();
    await first.client.close();
    await post(['chat'], ['1', '2', '3', '4', '5']);
    const back = await optedIn(state([...first.positions.values()], first.hello.id));
    expect(back.hello.recovered).toBe(false);
    expect(seen.get(back.hello.id)).toBe(false);
    await post(['chat'], ['6']);
    expect(inner(await back.client.next('__etp_b||'))).toBe('said||0||6');
  });

  it('says recovered: false for a position of another epoch, and for a malformed state', async () => {
    await start();
    const first = await optedIn();
    const [, , offset] = first.positions.get('chat')!;
    const other = await optedIn(state([['chat', 'another-epoch', offset]]));
    expect(other.hello.recovered).toBe(false);
    const hostile = await optedIn('%%%not-base64');
    expect(hostile.hello.recovered).toBe(false);
    const huge = await optedIn(state([['chat', 'x', Number.MAX_SAFE_INTEGER + 2]]));
    expect(huge.hello.recovered).toBe(false);
  });
});
