import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { EtpAdapter, EtpModule } from '../../../src/index.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';

@WebSocketGateway({ path: '/ws', heartbeat: { interval: 50, timeout: 50 } })
class ShutdownGateway {
  @SubscribeMessage('who')
  who() {
    return 'me';
  }
}

/** Live handles by kind; a TTY and pending timers of the test runner are not ours. */
function handleCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === 'TTYWrap') continue;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

@WebSocketGateway({ path: '/ws', shutdownCloseCode: 1001 })
class GoingAwayGateway {}

async function startApp(gateway: new () => object): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [EtpModule.forRoot()],
    providers: [gateway],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  app.useWebSocketAdapter(new EtpAdapter(app));
  await app.listen(0, '127.0.0.1');
  return app;
}

function portOf(app: INestApplication): number {
  return (app.getHttpServer().address() as { port: number }).port;
}

describe('app.close()', () => {
  let app: INestApplication | undefined;
  let clients: RawClient[] = [];

  afterEach(async () => {
    for (const client of clients) client.ws.terminate();
    clients = [];
    await app?.close();
    app = undefined;
  });

  it('closes every connection with 1000, as the Go reference does, and leaves no handle behind', async () => {
    const before = handleCounts();
    app = await startApp(ShutdownGateway);
    const port = portOf(app);
    clients = await Promise.all([1, 2, 3].map(() => RawClient.connect(wsUrl(port))));
    expect(await clients[0].request('who||1', '__ack_who', 1)).toBe('__ack_who||1||me');
    // Let a heartbeat round start, so its timers exist when the app closes.
    await new Promise((resolve) => setTimeout(resolve, 70));
    const closing = app;
    app = undefined;
    await closing.close();
    expect(await Promise.all(clients.map((client) => client.closed))).toEqual([1000, 1000, 1000]);
    expect(clients[0].closeReason).toBe('server shutdown');
    // Give the sockets' own close callbacks one turn, then compare the live handles.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = handleCounts();
    for (const [kind, count] of after) {
      expect([kind, count]).toEqual([kind, Math.min(count, before.get(kind) ?? 0)]);
    }
  });

  it('closes with 1001 (going away) when the gateway asks for it with shutdownCloseCode', async () => {
    app = await startApp(GoingAwayGateway);
    const port = portOf(app);
    clients = await Promise.all([1, 2].map(() => RawClient.connect(wsUrl(port))));
    const closing = app;
    app = undefined;
    await closing.close();
    expect(await Promise.all(clients.map((client) => client.closed))).toEqual([1001, 1001]);
    expect(clients[1].closeReason).toBe('server shutdown');
  });

  it('refuses a shutdownCloseCode other than 1000 or 1001 when the gateway starts', async () => {
    @WebSocketGateway({ path: '/ws', shutdownCloseCode: 4000 as 1000 })
    class WrongCodeGateway {}
    await expect(startApp(WrongCodeGateway)).rejects.toThrow(
      'shutdownCloseCode must be 1000 or 1001, got 4000',
    );
  });
});
