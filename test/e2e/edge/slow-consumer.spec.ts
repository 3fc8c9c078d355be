import 'reflect-metadata';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import { EtpModule, EtpRoomsService, type EtpServer, type EtpSocket } from '../../../src/index.js';
import { CapturingLogger, eventually, startApp, type TestApp } from '../../support/app.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';
import { RawPeer } from './support/raw-peer.js';

const MAX_BUFFERED = 256 * 1024;
const NEWS = 'n'.repeat(128 * 1024);
const BIG_ANSWER = 'b'.repeat(64 * 1024);

const disconnects: Array<{ socket: EtpSocket; reason: string }> = [];

@WebSocketGateway({ path: '/ws', maxBufferedBytes: MAX_BUFFERED, heartbeat: false })
class RoomGateway {
  @WebSocketServer() server!: EtpServer;

  constructor(private readonly rooms: EtpRoomsService) {}

  handleConnection(socket: EtpSocket) {
    this.rooms.join(socket, 'room');
  }

  handleDisconnect(socket: EtpSocket, reason: string) {
    disconnects.push({ socket, reason });
  }

  /** Broadcasts a large piece of news to the room, then answers the one who asked. */
  @SubscribeMessage('tick')
  tick(@MessageBody() round: number) {
    this.rooms.to('room').emit('news', NEWS);
    return round;
  }

  @SubscribeMessage('echo')
  echo(@MessageBody() body: string) {
    return body;
  }

  @SubscribeMessage('big')
  big() {
    return BIG_ANSWER;
  }

  @SubscribeMessage('shout')
  shout(@ConnectedSocket() socket: EtpSocket) {
    for (let i = 0; i < 64; i++) socket.emit('loud', BIG_ANSWER);
  }
}

describe('a peer that stops reading', () => {
  let app: TestApp;
  let logger: CapturingLogger;
  let server: EtpServer;

  beforeEach(async () => {
    disconnects.length = 0;
    logger = new CapturingLogger();
    app = await startApp([EtpModule.forRoot()], [RoomGateway], { logger });
    server = app.app.get(RoomGateway).server;
  });

  afterEach(async () => {
    await app.app.close();
  });

  const slowLines = () => logger.at('warn').filter((line) => line.includes('slow consumer'));
  /** The connections the server closed as slow consumers, as the gateway was told. */
  const slowConsumers = () => disconnects.filter((one) => one.reason === 'slow consumer').length;

  it('is closed as a slow consumer by a broadcast, while a fast room member keeps pace', async () => {
    const stalled = await RawPeer.connect(app.port);
    stalled.pause();
    const fast = await RawClient.connect(wsUrl(app.port));
    await eventually(() => server.size === 2);

    // The fast member asks for each broadcast in turn and waits for it: a round cannot finish
    // if the stalled member's backlog held the broadcast up.
    const rounds = 300;
    for (let round = 1; round <= rounds; round++) {
      fast.send(`tick||${round}||${round}`);
      await fast.next(`news||0||${NEWS}`);
      await fast.next(`__ack_tick||${round}||${round}`);
    }
    // A peer that does not read cannot see its end either: the server's side tells.
    await eventually(() => disconnects.length === 1);
    stalled.destroy();

    const [gone] = disconnects;
    expect(gone.reason).toBe('slow consumer');
    expect(gone.socket.closeCode).toBe(1008);
    expect(gone.socket.disconnectReason).toBe('slow consumer');
    expect(slowConsumers()).toBe(1);
    expect(slowLines()).toHaveLength(1);
    expect(slowLines()[0]).toContain(gone.socket.id);
    expect(server.size).toBe(1);
    expect(fast.ws.readyState).toBe(fast.ws.OPEN);
    await fast.close();
  });

  it('is closed as a slow consumer by its own answers and emits', async () => {
    const peer = await RawPeer.connect(app.port);
    peer.pause();
    peer.send('shout||0');
    for (let id = 1; id <= 200 && disconnects.length === 0; id++) {
      peer.send(`big||${id}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await eventually(() => disconnects.length === 1);
    peer.destroy();
    expect(disconnects.map((one) => one.reason)).toEqual(['slow consumer']);
    expect(slowConsumers()).toBe(1);
    expect(slowLines()).toHaveLength(1);
  });

  it('sending requests without reading the answers is held back by TCP, then served in full', async () => {
    const peer = await RawPeer.connect(app.port);
    peer.pause();
    const body = 'e'.repeat(1000);
    let sent = 0;
    // Keep writing until the peer's own send buffer holds 4 MiB: the server stopped reading.
    while (peer.socket.writableLength < 4 * 1024 * 1024) {
      for (let i = 0; i < 100; i++) peer.send(`echo||${++sent}||${body}`);
      await new Promise((resolve) => setImmediate(resolve));
      if (sent > 200_000) throw new Error('the server never stopped reading');
    }
    expect(server.size).toBe(1);
    expect(slowConsumers()).toBe(0);

    peer.resume();
    await eventually(() => peer.messages.length === sent, 15_000);
    expect(peer.messages[sent - 1]).toBe(`__ack_echo||${sent}||${body}`);
    expect(disconnects).toEqual([]);
    peer.destroy();
  });
});

describe('maxBufferedBytes', () => {
  it('is refused at start unless it is a positive number', async () => {
    @WebSocketGateway({ path: '/bad', maxBufferedBytes: 0 })
    class BadGateway {}
    await expect(startApp([EtpModule.forRoot()], [BadGateway])).rejects.toThrow(
      'maxBufferedBytes must be a positive number of bytes, got 0',
    );
  });
});
