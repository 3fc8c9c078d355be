import 'reflect-metadata';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayDisconnect,
} from '@nestjs/websockets';
import {
  EtpAckTimeoutError,
  EtpModule,
  EtpRoomsService,
  type EtpSocket,
} from '../../../src/index.js';
import { eventually, startApp, type TestApp } from '../../support/app.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';

const roomsAtDisconnect: string[][] = [];

@WebSocketGateway({ path: '/ws' })
class OperationsGateway implements OnGatewayDisconnect {
  constructor(private readonly rooms: EtpRoomsService) {}

  @SubscribeMessage('join')
  join(@ConnectedSocket() socket: EtpSocket, @MessageBody() room: string) {
    this.rooms.join(socket, room);
    return socket.id;
  }

  handleDisconnect(socket: EtpSocket) {
    roomsAtDisconnect.push([...socket.rooms]);
  }
}

describe('the broadcast operations in one process (in-memory broker)', () => {
  let app: TestApp;
  let rooms: EtpRoomsService;
  const clients: RawClient[] = [];

  async function member(room: string): Promise<{ client: RawClient; id: string }> {
    const client = await RawClient.connect(wsUrl(app.port));
    clients.push(client);
    const answer = await client.request(`join||1||${room}`, '__ack_join', 1);
    return { client, id: answer.split('||')[2] };
  }

  /** Answers every `event` request with `value`. */
  function answer(client: RawClient, event: string, value: string): void {
    client.ws.on('message', (data: Buffer) => {
      const [name, ackId] = data.toString('utf8').split('||');
      if (name === event) client.send(`__ack_${event}||${ackId}||${value}`);
    });
  }

  beforeAll(async () => {
    app = await startApp([EtpModule.forRoot()], [OperationsGateway]);
    rooms = app.app.get(EtpRoomsService);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await eventually(() => rooms.allSockets().length === 0);
  });
  afterAll(() => app.app.close());

  it('collects the answers of every member over real sockets', async () => {
    const a = await member('vote');
    const b = await member('vote');
    answer(a.client, 'ballot', 'yes');
    answer(b.client, 'ballot', 'no');
    const answers = await rooms.to('vote').timeout(2_000).emitWithAck<string>('ballot', 'q');
    expect(answers.sort()).toEqual(['no', 'yes']);
  });

  it('rejects with the answers that came in time when a member stays silent', async () => {
    const a = await member('vote');
    await member('vote');
    answer(a.client, 'ballot', 'yes');
    const error = await rooms
      .to('vote')
      .timeout(200)
      .emitWithAck('ballot')
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(EtpAckTimeoutError);
    expect((error as EtpAckTimeoutError).responses).toEqual(['yes']);
  });

  it('fetches sockets, every connection with no to(), and makes them join, leave, disconnect', async () => {
    const a = await member('red');
    const b = await member('blue');
    expect((await rooms.fetchSockets()).map((one) => one.id).sort()).toEqual([a.id, b.id].sort());
    await rooms.to('red').socketsJoin('gold');
    expect(rooms.socketsOf('gold').map((one) => one.id)).toEqual([a.id]);
    await rooms.to(b.id).socketsJoin('gold');
    await rooms.to('gold').except('blue').socketsLeave('gold');
    expect(rooms.socketsOf('gold').map((one) => one.id)).toEqual([b.id]);
    await rooms.to('gold').disconnectSockets(4000, 'go');
    expect(await b.client.closed).toBe(4000);
    expect(a.client.closeCode).toBeUndefined();
  });

  it('still shows the rooms of a connection in handleDisconnect, then drops them', async () => {
    const a = await member('red');
    roomsAtDisconnect.length = 0;
    clients.splice(0);
    await a.client.close();
    await eventually(() => roomsAtDisconnect.length === 1);
    expect(roomsAtDisconnect).toEqual([['red']]);
    await eventually(() => rooms.size('red') === 0);
    expect(rooms.list()).toEqual([]);
  });

  it('takes a connection out of its rooms as the server starts closing it, still shown to handleDisconnect', async () => {
    const a = await member('red');
    await rooms.to('red').socketsJoin('blue');
    roomsAtDisconnect.length = 0;
    await rooms.to(a.id).disconnectSockets();
    // Before its close handshake completes: no longer a member of anything.
    expect([rooms.size('red'), rooms.size('blue'), rooms.list(), rooms.get(a.id)]).toEqual([
      0,
      0,
      [],
      undefined,
    ]);
    expect(await a.client.closed).toBe(1000);
    await eventually(() => roomsAtDisconnect.length === 1);
    expect(roomsAtDisconnect).toEqual([['red', 'blue']]);
  });
});
