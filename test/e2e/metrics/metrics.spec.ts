import 'reflect-metadata';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
} from '@nestjs/websockets';
import {
  DisconnectReason,
  EtpMetricAttributes as Keys,
  EtpMetricNames as Names,
  EtpModule,
  EtpRoomsService,
  type EtpGatewayOptions,
  type EtpServer,
  type EtpSocket,
} from '../../../src/index.js';
import { eventually, startApp, type TestApp } from '../../support/app.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';
import { TestMeters } from './reader.js';

const WS = { [Keys.GatewayPath]: '/ws' };
const event = (name: string) => ({ ...WS, [Keys.EventName]: name });
const closed = (reason: string) => ({ ...WS, [Keys.DisconnectReason]: reason });
const SUBSCRIBED = ['echo', 'wait', 'ask', 'shout', 'tell-room', 'kick'];

@WebSocketGateway<EtpGatewayOptions>({ path: '/ws', codec: 'json', maxPayload: 4096 })
class MeteredGateway implements OnGatewayConnection {
  @WebSocketServer() server!: EtpServer;

  constructor(private readonly rooms: EtpRoomsService) {}

  handleConnection(socket: EtpSocket) {
    this.rooms.join(socket, 'everyone');
  }

  @SubscribeMessage('echo')
  echo(@MessageBody() body: unknown) {
    return body;
  }

  @SubscribeMessage('wait')
  async wait(@MessageBody() ms: number) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return 'waited';
  }

  @SubscribeMessage('ask')
  async ask(@ConnectedSocket() socket: EtpSocket, @MessageBody() timeout: number) {
    try {
      return await socket.emitWithAck('question', 'ready?', { timeout });
    } catch (error) {
      return (error as Error).name;
    }
  }

  @SubscribeMessage('shout')
  shout(@MessageBody() text: string) {
    return this.server.emit('shouted', text);
  }

  @SubscribeMessage('tell-room')
  tellRoom(@MessageBody() text: string) {
    return this.rooms.to('everyone').emit('told', text);
  }

  @SubscribeMessage('kick')
  kick(@ConnectedSocket() socket: EtpSocket) {
    socket.close(4000, 'kicked');
  }
}

@WebSocketGateway<EtpGatewayOptions>({ path: '/quiet', metrics: false })
class QuietGateway {
  @SubscribeMessage('echo')
  echo(@MessageBody() body: unknown) {
    return body;
  }
}

describe('metrics of a gateway, read through the OpenTelemetry SDK', () => {
  let meters: TestMeters;
  let app: TestApp;
  const clients: RawClient[] = [];

  async function connect(path = '/ws'): Promise<RawClient> {
    const client = await RawClient.connect(wsUrl(app.port, path));
    clients.push(client);
    return client;
  }

  beforeEach(async () => {
    meters = new TestMeters().install();
    app = await startApp([EtpModule.forRoot()], [MeteredGateway, QuietGateway]);
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await app.app.close();
    await meters.uninstall();
  });

  test('counts open connections, and closes by disconnect reason', async () => {
    const [first, second, third, fourth] = [
      await connect(),
      await connect(),
      await connect(),
      await connect(),
    ];
    await eventually(() => app.app.get(MeteredGateway).server.size === 4);
    expect(await meters.value(Names.Connections, WS)).toBe(4);
    expect(await meters.value(Names.ConnectionsOpened, WS)).toBe(4);

    await first.close(1000);
    second.send('kick||0||null');
    await second.closed;
    third.send(`echo||0||"${'x'.repeat(5000)}"`);
    await third.closed;
    await eventually(() => app.app.get(MeteredGateway).server.size === 1);

    expect(await meters.value(Names.Connections, WS)).toBe(1);
    expect(await meters.value(Names.ConnectionsOpened, WS)).toBe(4);
    expect(await meters.value(Names.ConnectionsClosed, closed(DisconnectReason.ClientClosed))).toBe(
      1,
    );
    expect(await meters.value(Names.ConnectionsClosed, closed(DisconnectReason.ServerClosed))).toBe(
      1,
    );
    expect(
      await meters.value(Names.ConnectionsClosed, closed(DisconnectReason.MessageTooBig)),
    ).toBe(1);
    expect(await meters.points(Names.ConnectionsClosed)).toHaveLength(3);
    expect(fourth.closeCode).toBeUndefined();
  });

  test('counts events by subscribed name, and every other name as one "unknown"', async () => {
    const client = await connect();
    for (let id = 1; id <= 3; id++) await client.request(`echo||${id}||${id}`, '__ack_echo', id);
    // Names a peer makes up, without a fallback handler: each is still answered when asked.
    for (const [id, name] of ['made-up', 'another', 'a-third', 'made-up'].entries()) {
      await client.request(`${name}||${id + 10}||null`, `__ack_${name}`, id + 10);
    }

    expect(await meters.value(Names.EventsReceived, event('echo'))).toBe(3);
    expect(await meters.value(Names.EventsReceived, event('unknown'))).toBe(4);
    const names = (await meters.points(Names.EventsReceived)).map(
      (point) => point.attributes[Keys.EventName],
    );
    expect(names.sort()).toEqual(['echo', 'unknown']);
    expect(SUBSCRIBED).toEqual(expect.arrayContaining(names.filter((one) => one !== 'unknown')));
  });

  test('records how long handlers took, in seconds, until their promise settled', async () => {
    const client = await connect();
    expect(await client.request('wait||1||40', '__ack_wait', 1)).toBe('__ack_wait||1||"waited"');
    await client.request('echo||2||"hi"', '__ack_echo', 2);

    const wait = await meters.point(Names.HandlerDuration, event('wait'));
    expect(wait?.value).toBe(1);
    // The handler slept 40 ms: a duration in milliseconds, or one taken before it settled, fails.
    expect(wait?.sum).toBeGreaterThanOrEqual(0.03);
    expect(wait?.sum).toBeLessThan(30);
    expect((await meters.point(Names.HandlerDuration, event('echo')))?.value).toBe(1);
  });

  test('counts answers to emitWithAck, and requests that timed out', async () => {
    const client = await connect();
    const answered = client.request('ask||1||5000', '__ack_ask', 1);
    const question = await client.next('question||');
    const ackId = question.split('||')[1];
    client.send(`__ack_question||${ackId}||"yes"`);
    expect(await answered).toBe('__ack_ask||1||"yes"');

    // Not answered: the server's request times out after 50 ms.
    expect(await client.request('ask||2||50', '__ack_ask', 2)).toBe(
      '__ack_ask||2||"EtpAckTimeoutError"',
    );
    // A late answer matches no waiting request and is not counted as answered.
    const late = await client.next('question||');
    client.send(`__ack_question||${late.split('||')[1]}||"too late"`);
    await client.request('echo||3||1', '__ack_echo', 3);

    expect(await meters.value(Names.AcksAnswered, WS)).toBe(1);
    expect(await meters.value(Names.AcksTimedOut, WS)).toBe(1);
  });

  test('counts broadcasts and the sockets they reached, from the server and from rooms', async () => {
    const [sender, other] = [await connect(), await connect()];
    await eventually(() => app.app.get(MeteredGateway).server.size === 2);
    expect(await sender.request('shout||1||"hello"', '__ack_shout', 1)).toBe('__ack_shout||1||2');
    await other.next('shouted||');
    expect(await sender.request('tell-room||2||"hi"', '__ack_tell-room', 2)).toBe(
      '__ack_tell-room||2||2',
    );
    await other.next('told||');

    expect(await meters.value(Names.Broadcasts, WS)).toBe(1);
    expect(await meters.value(Names.BroadcastSockets, WS)).toBe(2);
    // A rooms broadcast can span gateways: it carries no gateway path.
    expect(await meters.value(Names.Broadcasts, {})).toBe(1);
    expect(await meters.value(Names.BroadcastSockets, {})).toBe(2);
  });

  test('counts malformed frames and undecodable payloads, and the connection stays up', async () => {
    const client = await connect();
    client.send('no delimiter at all');
    client.send('echo||x1||"bad ack id"');
    // The gateway's codec is strict JSON: this data is not JSON.
    expect(await client.request('echo||7||not json', '__ack_echo', 7)).toBe('__ack_echo||7||null');

    const frame = { ...WS, [Keys.ErrorType]: 'frame' };
    const payload = { ...WS, [Keys.ErrorType]: 'payload' };
    await eventually(() => client.received.some((one) => one.startsWith('exception||')));
    expect(await meters.value(Names.MalformedFrames, frame)).toBe(2);
    expect(await meters.value(Names.MalformedFrames, payload)).toBe(1);
    expect(await client.request('echo||8||"still here"', '__ack_echo', 8)).toBe(
      '__ack_echo||8||"still here"',
    );
  });

  test('records nothing for a gateway whose metrics option is false', async () => {
    const quiet = await connect('/quiet');
    expect(await quiet.request('echo||1||hi', '__ack_echo', 1)).toBe('__ack_echo||1||hi');
    await quiet.close(1000);
    await connect();
    await eventually(() => app.app.get(MeteredGateway).server.size === 1);

    const all = await meters.collect();
    const paths = new Set(
      [...all.values()].flatMap((metric) =>
        metric.dataPoints.map((point) => point.attributes[Keys.GatewayPath]),
      ),
    );
    expect(paths).toEqual(new Set(['/ws']));
  });
});

describe('metrics with no MeterProvider at startup', () => {
  test('a gateway created before the provider is registered records nothing', async () => {
    const app = await startApp([], [QuietGatewayOnWs]);
    const meters = new TestMeters().install();
    try {
      const client = await RawClient.connect(wsUrl(app.port));
      expect(await client.request('echo||1||hi', '__ack_echo', 1)).toBe('__ack_echo||1||hi');
      await client.close(1000);
      expect((await meters.collect()).size).toBe(0);
    } finally {
      await app.app.close();
      await meters.uninstall();
    }
  });
});

@WebSocketGateway<EtpGatewayOptions>({ path: '/ws' })
class QuietGatewayOnWs {
  @SubscribeMessage('echo')
  echo(@MessageBody() body: unknown) {
    return body;
  }
}
