import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import { Logger } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { ETP_BROKER } from '../../../src/etp.tokens.js';
import { EtpInMemoryBroker } from '../../../src/rooms/in-memory-broker.js';
import { EtpAdapter } from '../../../src/server/etp-adapter.js';
import type { EtpServer } from '../../../src/server/etp-server.js';
import { EtpHealthIndicator } from '../../../src/terminus/etp-health.indicator.js';

/** A broker whose backend the test takes away. */
class ToggleBroker extends EtpInMemoryBroker {
  connected = true;
  isConnected(): boolean {
    return this.connected;
  }
}

/** The indicator as Nest makes it, with Terminus's real HealthIndicatorService. */
async function indicator(broker?: EtpInMemoryBroker) {
  const moduleRef = await Test.createTestingModule({
    imports: [TerminusModule],
    providers: [
      EtpHealthIndicator,
      ...(broker === undefined ? [] : [{ provide: ETP_BROKER, useValue: broker }]),
    ],
  }).compile();
  return { etp: moduleRef.get(EtpHealthIndicator), config: moduleRef.get(ApplicationConfig) };
}

const servers: Server[] = [];
const gateways: Array<[EtpAdapter, EtpServer]> = [];

beforeAll(() => Logger.overrideLogger(false));
afterEach(async () => {
  await Promise.all(gateways.splice(0).map(([adapter, server]) => adapter.close(server)));
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

/** An adapter over a plain HTTP server, with one gateway at `path`. */
function adapter(path: string) {
  const http = createServer();
  servers.push(http);
  const etpAdapter = new EtpAdapter(http);
  gateways.push([etpAdapter, etpAdapter.create(0, { path })]);
  return { etpAdapter, http };
}

describe('EtpHealthIndicator', () => {
  test('is down without an EtpAdapter, and says how to set one', async () => {
    const { etp } = await indicator();
    expect(etp.isHealthy()).toEqual({
      etp: {
        status: 'down',
        gateways: [],
        broker: { name: 'EtpInMemoryBroker', connected: true },
        message:
          'the WebSocket adapter is not an EtpAdapter: app.useWebSocketAdapter(new EtpAdapter(app))',
      },
    });
  });

  test('is down while a gateway’s server does not listen, and up once it does', async () => {
    const { etp, config } = await indicator();
    const { etpAdapter, http } = adapter('/ws');
    config.setIoAdapter(etpAdapter);
    expect(etp.isHealthy('ws')).toEqual({
      ws: {
        status: 'down',
        gateways: [{ path: '/ws', port: undefined, listening: false, connections: 0 }],
        broker: { name: 'EtpInMemoryBroker', connected: true },
        message: "the gateway /ws on the application's port is not listening",
      },
    });
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    const port = (http.address() as { port: number }).port;
    expect(etp.isHealthy('ws')).toEqual({
      ws: {
        status: 'up',
        gateways: [{ path: '/ws', port, listening: true, connections: 0 }],
        broker: { name: 'EtpInMemoryBroker', connected: true },
      },
    });
  });

  test('is down while the configured broker is not connected, naming it', async () => {
    const broker = new ToggleBroker();
    const { etp, config } = await indicator(broker);
    const { etpAdapter, http } = adapter('/ws');
    config.setIoAdapter(etpAdapter);
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    expect(etp.isHealthy().etp.status).toBe('up');
    broker.connected = false;
    expect(etp.isHealthy().etp).toMatchObject({
      status: 'down',
      broker: { name: 'ToggleBroker', connected: false },
      message: 'the broker ToggleBroker is not connected',
    });
  });

  test('names every problem at once: gateways not listening and the broker', async () => {
    const broker = new ToggleBroker();
    broker.connected = false;
    const { etp, config } = await indicator(broker);
    const { etpAdapter } = adapter('/a');
    config.setIoAdapter(etpAdapter);
    expect(etp.isHealthy().etp.message).toBe(
      "the gateway /a on the application's port is not listening; " +
        'the broker ToggleBroker is not connected',
    );
  });

  test('a broker without isConnected() always counts as connected', async () => {
    const { etp } = await indicator(new EtpInMemoryBroker());
    expect(etp.isHealthy().etp.broker).toEqual({ name: 'EtpInMemoryBroker', connected: true });
  });
});
