import 'reflect-metadata';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { WsAdapter } from '@nestjs/platform-ws';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  EtpAdapter,
  EtpInMemoryBroker,
  EtpModule,
  type EtpBroker,
  type EtpGatewayStatus,
} from '../../../src/index.js';
import { EtpHealthIndicator } from '../../../src/terminus/index.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';

/**
 * Stands for a broker whose backend (a Redis server, say) goes away and comes back: the rooms
 * work in memory as usual, and the test decides what `isConnected()` answers.
 */
class ToggleBroker extends EtpInMemoryBroker implements EtpBroker {
  connected = true;

  isConnected(): boolean {
    return this.connected;
  }
}

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
class AppPortGateway {
  @SubscribeMessage('who')
  who(): string {
    return 'app-port';
  }
}

/** A gateway on a server of its own, on `port`. */
function ownPortGateway(port: number): new () => unknown {
  @WebSocketGateway(port, { path: '/side' })
  class OwnPortGateway {
    @SubscribeMessage('who')
    who(): string {
      return 'own-port';
    }
  }
  return OwnPortGateway;
}

/** Holds a port, as another process would, or hands out one nobody holds once released. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

async function freePort(): Promise<number> {
  const { port, server } = await holdPort();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface HealthBody {
  status: string;
  info: Record<string, unknown>;
  error: Record<string, unknown>;
  details: {
    etp: {
      status: string;
      gateways: EtpGatewayStatus[];
      broker: { name: string; connected: boolean };
      message?: string;
    };
  };
}

async function getHealth(port: number): Promise<{ code: number; body: HealthBody }> {
  const response = await fetch(`http://127.0.0.1:${port}/health`);
  return { code: response.status, body: (await response.json()) as HealthBody };
}

/** A real app: TerminusModule, the health controller, the indicator, and these gateways. */
async function createApp(imports: unknown[], gateways: unknown[]): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [TerminusModule, ...(imports as never[])],
    controllers: [HealthController],
    providers: [EtpHealthIndicator, ...(gateways as never[])],
  }).compile();
  return moduleRef.createNestApplication({ logger: false });
}

/** Listens on a random loopback port, and says which. */
async function listen(app: INestApplication): Promise<number> {
  await app.listen(0, '127.0.0.1');
  return (app.getHttpServer().address() as AddressInfo).port;
}

describe('EtpHealthIndicator in a Nest app with TerminusModule', () => {
  const apps: INestApplication[] = [];
  const clients: RawClient[] = [];
  const held: Server[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    for (const app of apps.splice(0)) await app.close();
    for (const server of held.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  /** Starts the app with EtpAdapter, listening on a random loopback port. */
  async function start(imports: unknown[], gateways: unknown[]): Promise<{ port: number }> {
    const app = await createApp(imports, gateways);
    apps.push(app);
    app.useWebSocketAdapter(new EtpAdapter(app));
    return { port: await listen(app) };
  }

  async function connect(port: number, path: string): Promise<RawClient> {
    const client = await RawClient.connect(wsUrl(port, path));
    clients.push(client);
    return client;
  }

  test('answers 200 and up, with every gateway and the broker', async () => {
    const sidePort = await freePort();
    const broker = new ToggleBroker();
    const { port } = await start(
      [EtpModule.forRoot({ broker })],
      [AppPortGateway, ownPortGateway(sidePort)],
    );
    const onApp = await connect(port, '/ws');
    await connect(sidePort, '/side');
    await connect(sidePort, '/side');
    expect(await onApp.request('who||1', '__ack_who', 1)).toBe('__ack_who||1||app-port');

    const { code, body } = await getHealth(port);

    expect(code).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.error).toEqual({});
    expect(body.info.etp).toEqual(body.details.etp);
    expect(body.details.etp).toEqual({
      status: 'up',
      gateways: expect.arrayContaining([
        { path: '/ws', port, listening: true, connections: 1 },
        { path: '/side', port: sidePort, listening: true, connections: 2 },
      ]),
      broker: { name: 'ToggleBroker', connected: true },
    });
    expect(body.details.etp.gateways).toHaveLength(2);
  });

  test('answers 503 and down while the broker is disconnected, 200 once it reconnects', async () => {
    const broker = new ToggleBroker();
    const { port } = await start([EtpModule.forRoot({ broker })], [AppPortGateway]);
    expect((await getHealth(port)).code).toBe(200);

    broker.connected = false;
    const down = await getHealth(port);
    expect(down.code).toBe(503);
    expect(down.body.status).toBe('error');
    expect(down.body.error.etp).toEqual(down.body.details.etp);
    expect(down.body.details.etp).toMatchObject({
      status: 'down',
      gateways: [{ path: '/ws', port, listening: true, connections: 0 }],
      broker: { name: 'ToggleBroker', connected: false },
      message: 'the broker ToggleBroker is not connected',
    });

    broker.connected = true;
    const up = await getHealth(port);
    expect(up.code).toBe(200);
    expect(up.body.details.etp.status).toBe('up');
    expect(up.body.details.etp.message).toBeUndefined();
  });

  test("answers 503 and down when a gateway's own port is taken, so it never listens", async () => {
    const taken = await holdPort();
    held.push(taken.server);
    const { port } = await start(
      [EtpModule.forRoot()],
      [AppPortGateway, ownPortGateway(taken.port)],
    );
    // The gateway on the application's port still serves: only the other one is missing.
    expect(await (await connect(port, '/ws')).request('who||1', '__ack_who', 1)).toBe(
      '__ack_who||1||app-port',
    );

    const { code, body } = await getHealth(port);

    expect(code).toBe(503);
    expect(body.details.etp).toMatchObject({
      status: 'down',
      broker: { name: 'EtpInMemoryBroker', connected: true },
      message: `the gateway /side on port ${taken.port} is not listening`,
    });
    expect(body.details.etp.gateways).toEqual(
      expect.arrayContaining([
        { path: '/ws', port, listening: true, connections: 1 },
        { path: '/side', port: taken.port, listening: false, connections: 0 },
      ]),
    );
  });

  test('is down until the application listens, then up', async () => {
    const sidePort = await freePort();
    const app = await createApp([EtpModule.forRoot()], [AppPortGateway, ownPortGateway(sidePort)]);
    apps.push(app);
    app.useWebSocketAdapter(new EtpAdapter(app));
    await app.init();
    const indicator = app.get(EtpHealthIndicator);

    const before = indicator.isHealthy();
    expect(before.etp).toMatchObject({
      status: 'down',
      message: "the gateway /ws on the application's port is not listening",
    });
    expect(before.etp.gateways).toEqual(
      expect.arrayContaining([
        { path: '/ws', port: undefined, listening: false, connections: 0 },
        { path: '/side', port: sidePort, listening: true, connections: 0 },
      ]),
    );
    await expect(app.get(HealthController).check()).rejects.toMatchObject({ status: 503 });

    const port = await listen(app);
    const { code, body } = await getHealth(port);
    expect(code).toBe(200);
    expect(body.details.etp.gateways).toEqual(
      expect.arrayContaining([{ path: '/ws', port, listening: true, connections: 0 }]),
    );
  });

  test('finds the broker of an EtpModule that is not global, imported elsewhere', async () => {
    const broker = new ToggleBroker();
    broker.connected = false;
    const { port } = await start(
      [
        {
          module: class RealtimeModule {},
          imports: [EtpModule.forRoot({ broker, isGlobal: false })],
        },
      ],
      [AppPortGateway],
    );
    const { code, body } = await getHealth(port);
    expect(code).toBe(503);
    expect(body.details.etp.broker).toEqual({ name: 'ToggleBroker', connected: false });
  });

  test.each([
    ['with the default broker of EtpModule', [EtpModule.forRoot()]],
    ['without EtpModule', []],
  ])('is up %s, the broker being in memory', async (_case, imports) => {
    const { port } = await start(imports, [AppPortGateway]);
    const { code, body } = await getHealth(port);
    expect(code).toBe(200);
    expect(body.details.etp.broker).toEqual({ name: 'EtpInMemoryBroker', connected: true });
  });

  test('is down, and says why, when the WebSocket adapter is not an EtpAdapter', async () => {
    @WebSocketGateway({ path: '/plain' })
    class PlainGateway {}

    const app = await createApp([EtpModule.forRoot()], [PlainGateway]);
    apps.push(app);
    app.useWebSocketAdapter(new WsAdapter(app));
    const port = await listen(app);

    const { code, body } = await getHealth(port);

    expect(code).toBe(503);
    expect(body.details.etp).toMatchObject({
      status: 'down',
      gateways: [],
      message: expect.stringContaining('not an EtpAdapter'),
    });
  });
});
