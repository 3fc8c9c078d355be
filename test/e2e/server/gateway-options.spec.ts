import 'reflect-metadata';
import { WebSocketGateway } from '@nestjs/websockets';
import { EtpModule } from '../../../src/index.js';
import { CapturingLogger, startApp, type TestApp } from '../../support/app.js';

@WebSocketGateway({
  path: '/every-option',
  metrics: false,
  maxEventsPerSecond: 500,
  shutdownCloseCode: 1001,
  shutdownTimeout: 1_000,
  heartbeat: false,
})
class EveryOptionGateway {}

@WebSocketGateway({ path: '/typo', maxEventPerSecond: 500 } as object)
class TypoGateway {}

describe('the unknown gateway option warning', () => {
  let started: TestApp | undefined;

  afterEach(async () => {
    await started?.app.close();
    started = undefined;
  });

  it('says nothing of metrics, maxEventsPerSecond or shutdownCloseCode, and names a typo', async () => {
    const logger = new CapturingLogger();
    started = await startApp([EtpModule.forRoot()], [EveryOptionGateway, TypoGateway], { logger });
    const unknown = logger.at('warn').filter((line) => line.includes('Unknown ETP gateway option'));
    expect(unknown).toEqual(['Unknown ETP gateway option "maxEventPerSecond" is ignored']);
  });
});
