import { Module } from '@nestjs/common';
import { ConnectedSocket, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import {
  EtpMetricAttributes,
  EtpMetricNames,
  EtpModule,
  EtpRoomsService,
  type EtpSocket,
} from '../../../src/index.js';
import { EtpRedisBroker } from '../../../src/redis/index.js';
import { eventually, startApp, type TestApp } from '../../support/app.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';
import { RedisServer } from '../../support/redis-server.js';
import { TestMeters } from './reader.js';

@WebSocketGateway({ path: '/ws' })
class LobbyGateway {
  constructor(private readonly rooms: EtpRoomsService) {}

  @SubscribeMessage('join')
  join(@ConnectedSocket() socket: EtpSocket): string {
    this.rooms.join(socket, 'lobby');
    return 'joined';
  }
}

async function instance(redis: RedisServer, prefix: string): Promise<TestApp> {
  @Module({
    imports: [
      EtpModule.forRoot({
        broker: new EtpRedisBroker({
          url: redis.url,
          prefix,
          // No periodic heartbeat during the test: the instances meet through their hellos.
          heartbeatInterval: 60_000,
          heartbeatTimeout: 120_000,
        }),
      }),
    ],
    providers: [LobbyGateway],
  })
  class InstanceModule {}
  return startApp([InstanceModule]);
}

const system = { [EtpMetricAttributes.MessagingSystem]: 'redis' };

describe('broker metrics with a real Redis', () => {
  let redis: RedisServer;
  let meters: TestMeters;
  const apps: TestApp[] = [];
  const clients: RawClient[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  beforeEach(() => {
    meters = new TestMeters().install();
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    for (const { app } of apps.splice(0)) await app.close();
    await meters.uninstall();
  });

  afterAll(async () => {
    await redis.stop();
  });

  test('counts what each instance publishes and what it receives from the others', async () => {
    apps.push(await instance(redis, 'metrics-a'), await instance(redis, 'metrics-a'));
    const [a, b] = apps;
    const member = await RawClient.connect(wsUrl(b.port));
    clients.push(member);
    member.send('join||1');
    await member.next('__ack_join||1||joined');
    // The hellos of start-up: each instance has heard of the other.
    await eventually(() => redisInstances(a) === 2 && redisInstances(b) === 2);

    a.app.get(EtpRoomsService).to('lobby').emit('notice', 'from a');
    expect(await member.next('notice||')).toBe('notice||0||from a');

    const published = await meters.points(EtpMetricNames.BrokerMessagesPublished);
    const received = await meters.points(EtpMetricNames.BrokerMessagesReceived);
    // One process holds both instances, so the points add both up: at least the broadcast and
    // the heartbeats that introduced them went out, and came in on the other side.
    expect(published).toEqual([{ attributes: system, value: expect.any(Number) }]);
    expect(received).toEqual([{ attributes: system, value: expect.any(Number) }]);
    expect(published[0].value).toBeGreaterThanOrEqual(3);
    expect(received[0].value).toBeGreaterThanOrEqual(3);

    const before = received[0].value;
    a.app.get(EtpRoomsService).to('lobby').emit('notice', 'again');
    await member.next('notice||0||again');
    const [after] = await meters.points(EtpMetricNames.BrokerMessagesReceived);
    expect(after.value).toBe(before + 1);
  });
});

function redisInstances(app: TestApp): number {
  const rooms = app.app.get(EtpRoomsService) as unknown as { broker: EtpRedisBroker };
  return rooms.broker.instances;
}
