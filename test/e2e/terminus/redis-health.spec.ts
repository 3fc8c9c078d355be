import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { WebSocketGateway } from '@nestjs/websockets';
import { EtpModule } from '../../../src/index.js';
import { EtpRedisBroker } from '../../../src/redis/index.js';
import { EtpHealthIndicator } from '../../../src/terminus/index.js';
import { startApp, type TestApp } from '../../support/app.js';
import { RedisServer } from '../../support/redis-server.js';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly etp: EtpHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.etp.isHealthy('etp')]);
  }
}

@WebSocketGateway({ path: '/ws' })
class QuietGateway {}

interface Broker {
  name: string;
  connected: boolean;
}

async function health(port: number): Promise<{ code: number; broker: Broker }> {
  const response = await fetch(`http://127.0.0.1:${port}/health`);
  const body = (await response.json()) as { details: { etp: { broker: Broker } } };
  return { code: response.status, broker: body.details.etp.broker };
}

/** Asks until the answer has the wanted status: the broker notices Redis going and coming. */
async function healthUntil(port: number, code: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await health(port);
    if (answer.code === code || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('EtpHealthIndicator with EtpRedisBroker and a real redis-server', () => {
  let redis: RedisServer;
  let app: TestApp | undefined;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await app?.app.close();
    await redis.stop();
  });

  test('is down while Redis is away, and up again once it is back', async () => {
    @Module({
      imports: [
        TerminusModule,
        EtpModule.forRoot({ broker: new EtpRedisBroker({ url: redis.url, prefix: 'health' }) }),
      ],
      controllers: [HealthController],
      providers: [EtpHealthIndicator, QuietGateway],
    })
    class HealthAppModule {}
    app = await startApp([HealthAppModule]);

    expect(await health(app.port)).toEqual({
      code: 200,
      broker: { name: 'EtpRedisBroker', connected: true },
    });

    await redis.stop();
    expect(await healthUntil(app.port, 503)).toEqual({
      code: 503,
      broker: { name: 'EtpRedisBroker', connected: false },
    });

    await redis.start();
    expect(await healthUntil(app.port, 200)).toEqual({
      code: 200,
      broker: { name: 'EtpRedisBroker', connected: true },
    });
  });
});
