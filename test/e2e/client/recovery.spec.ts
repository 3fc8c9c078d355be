import 'reflect-metadata';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import { WebSocket as WsWebSocket } from 'ws';
import { EtpBrowserClient, type EtpWebSocketClass } from '../../../src/browser.js';
import {
  EtpClient,
  EtpModule,
  EtpRoomsService,
  type EtpClientBase,
  type EtpSocket,
} from '../../../src/index.js';
import { eventually, startApp, type TestApp } from '../../support/app.js';
import { closeAfterTest } from '../../support/cleanup.js';
import { wsUrl } from '../../support/raw-client.js';

const WebSocketImpl: EtpWebSocketClass =
  (globalThis as { WebSocket?: EtpWebSocketClass }).WebSocket ?? WsWebSocket;

/** Every connection the gateway saw, last first; and what to do right after one joined. */
const sockets: EtpSocket[] = [];
let afterJoin: ((rooms: EtpRoomsService) => void) | undefined;

@WebSocketGateway({ path: '/ws' })
class ChatGateway implements OnGatewayConnection {
  constructor(private readonly rooms: EtpRoomsService) {}

  handleConnection(socket: EtpSocket) {
    sockets.unshift(socket);
    this.rooms.join(socket, 'chat');
    // A broadcast made now reaches a returning socket while its catch-up of the room runs.
    afterJoin?.(this.rooms);
  }
}

/** A client of the app and what it got: each `said` text, and each connect's verdict. */
interface Watched {
  readonly client: EtpClientBase;
  readonly said: string[];
  readonly verdicts: boolean[];
}

describe('the client side of connection-state recovery', () => {
  let testApp: TestApp;
  let rooms: EtpRoomsService;

  async function start(recovery?: { maxDisconnection: number; maxMessages: number }) {
    testApp = await startApp(
      [EtpModule.forRoot(recovery === undefined ? {} : { recovery })],
      [ChatGateway],
    );
    closeAfterTest(testApp.app);
    rooms = testApp.app.get(EtpRoomsService);
  }

  function watch(client: EtpClientBase): Watched {
    closeAfterTest(client);
    const watched: Watched = { client, said: [], verdicts: [] };
    client.on('said', (text: string) => void watched.said.push(text));
    client.onConnect(({ recovered }) => void watched.verdicts.push(recovered));
    return watched;
  }

  function nodeClient(options: { recovery?: boolean } = {}): Watched {
    const url = wsUrl(testApp.port);
    return watch(new EtpClient({ url, reconnect: { initialDelay: 10, maxDelay: 50 }, ...options }));
  }

  /** Connected, with its position in `chat` known: a first broadcast reached it. */
  async function ready(watched: Watched): Promise<void> {
    await watched.client.connect();
    await eventually(() => watched.verdicts.length === 1);
    rooms.to('chat').emit('said', 'before');
    await eventually(() => watched.said.includes('before'));
  }

  /** Drops the client's connection as a network would: no close frame, either way. */
  function drop(): void {
    sockets[0].request.socket.destroy();
  }

  afterEach(() => {
    sockets.length = 0;
    afterJoin = undefined;
  });

  it('says recovered false at a first connect, then replays what a drop missed, once, in order', async () => {
    await start({ maxDisconnection: 60_000, maxMessages: 100 });
    const watched = nodeClient();
    await ready(watched);
    expect(watched.verdicts).toEqual([false]);
    expect(watched.client.recovered).toBe(false);
    afterJoin = (service) => service.to('chat').emit('said', 'during the catch-up');
    drop();
    for (const text of ['m1', 'm2', 'm3']) rooms.to('chat').emit('said', text);
    await eventually(() => watched.verdicts.length === 2);
    expect(watched.verdicts).toEqual([false, true]);
    expect(watched.client.recovered).toBe(true);
    afterJoin = undefined;
    await eventually(() => watched.said.includes('during the catch-up'));
    rooms.to('chat').emit('said', 'after');
    await eventually(() => watched.said.includes('after'));
    expect(watched.said).toEqual(['before', 'm1', 'm2', 'm3', 'during the catch-up', 'after']);
  });

  it('recovers again and again, and for the browser client alike', async () => {
    await start({ maxDisconnection: 60_000, maxMessages: 100 });
    const url = wsUrl(testApp.port);
    const reconnect = { initialDelay: 10, maxDelay: 50 };
    const watched = watch(new EtpBrowserClient(url, { WebSocket: WebSocketImpl, reconnect }));
    await ready(watched);
    const expected = ['before'];
    for (let round = 1; round <= 3; round++) {
      drop();
      rooms.to('chat').emit('said', `missed ${round}`);
      expected.push(`missed ${round}`);
      await eventually(() => watched.verdicts.length === round + 1);
      await eventually(() => watched.said.length === expected.length);
    }
    expect(watched.verdicts).toEqual([false, true, true, true]);
    expect(watched.said).toEqual(expected);
  });

  it('says recovered false when more was missed than the room keeps, and goes on live', async () => {
    await start({ maxDisconnection: 60_000, maxMessages: 3 });
    const watched = nodeClient();
    await ready(watched);
    drop();
    for (const text of ['1', '2', '3', '4', '5']) rooms.to('chat').emit('said', text);
    await eventually(() => watched.verdicts.length === 2);
    expect(watched.verdicts).toEqual([false, false]);
    expect(watched.client.recovered).toBe(false);
    rooms.to('chat').emit('said', 'live');
    await eventually(() => watched.said.includes('live'));
    expect(watched.said).toEqual(['before', 'live']);
    // Its positions started over at the room's current one: the next drop recovers.
    drop();
    rooms.to('chat').emit('said', 'missed');
    await eventually(() => watched.verdicts.length === 3);
    await eventually(() => watched.said.includes('missed'));
    expect(watched.verdicts).toEqual([false, false, true]);
    expect(watched.said).toEqual(['before', 'live', 'missed']);
  });

  it('against a server without recovery: recovered false, plain frames, as before', async () => {
    await start();
    const watched = nodeClient();
    await ready(watched);
    expect(sockets[0].request.url).toBe('/ws?__etp_recovery=1');
    drop();
    await eventually(() => watched.verdicts.length === 2);
    rooms.to('chat').emit('said', 'after');
    await eventually(() => watched.said.includes('after'));
    expect(watched.verdicts).toEqual([false, false]);
    expect(watched.said).toEqual(['before', 'after']);
  });

  it('with recovery: false sends no parameter, gets plain frames, and replays nothing', async () => {
    await start({ maxDisconnection: 60_000, maxMessages: 100 });
    const watched = nodeClient({ recovery: false });
    const unknown: string[] = [];
    watched.client.onUnknownEvent((_data, event) => void unknown.push(event));
    await ready(watched);
    expect(sockets[0].request.url).toBe('/ws');
    drop();
    rooms.to('chat').emit('said', 'missed');
    await eventually(() => watched.verdicts.length === 2);
    expect(sockets[0].request.url).toBe('/ws');
    rooms.to('chat').emit('said', 'after');
    await eventually(() => watched.said.includes('after'));
    expect(watched.verdicts).toEqual([false, false]);
    expect(watched.said).toEqual(['before', 'after']);
    expect(unknown).toEqual([]);
  });

  it('forgets its positions on close(): connecting again starts over', async () => {
    await start({ maxDisconnection: 60_000, maxMessages: 100 });
    const watched = nodeClient();
    await ready(watched);
    await watched.client.close();
    rooms.to('chat').emit('said', 'while closed');
    await watched.client.connect();
    await eventually(() => watched.verdicts.length === 2);
    expect(sockets[0].request.url).toBe('/ws?__etp_recovery=1');
    rooms.to('chat').emit('said', 'after');
    await eventually(() => watched.said.includes('after'));
    expect(watched.verdicts).toEqual([false, false]);
    expect(watched.said).toEqual(['before', 'after']);
  });
});
