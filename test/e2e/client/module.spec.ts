import 'reflect-metadata';
import { Injectable, Module, type LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
} from '@nestjs/websockets';
import {
  EtpClient,
  EtpHandlerError,
  EtpModule,
  EtpRoomsService,
  InjectEtpClient,
  OnEtpEvent,
  type EtpSocket,
} from '../../../src/index.js';
import { startApp } from '../../support/app.js';
import { wsUrl } from '../../support/raw-client.js';
import { eventually, RawServer } from '../../support/raw-server.js';
import { closeAfterTest } from '../../support/cleanup.js';

/** Keeps what the client logs, to check what it says. */
class MemoryLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(`log ${String(message)}`);
  }
  warn(message: unknown): void {
    this.lines.push(`warn ${String(message)}`);
  }
  error(message: unknown): void {
    this.lines.push(`error ${String(message)}`);
  }
  debug(): void {}
  verbose(): void {}
}

let logger: MemoryLogger;
beforeEach(() => {
  logger = new MemoryLogger();
});

@WebSocketGateway({ path: '/ws' })
class HelloGateway implements OnGatewayConnection {
  readonly connected: EtpSocket[] = [];

  handleConnection(socket: EtpSocket): void {
    this.connected.push(socket);
  }

  @SubscribeMessage('hello')
  hello(@MessageBody() body: string) {
    return `hello handled: ${body}`;
  }

  /** Asks the client back, and answers with what the client answered. */
  @SubscribeMessage('ask me')
  async askBack(@MessageBody() body: string, @ConnectedSocket() socket: EtpSocket) {
    const answer = await socket.emitWithAck<string>('news', body, { timeout: 5_000 });
    return `client said: ${answer}`;
  }
}

@Injectable()
class NewsListener {
  readonly seen: unknown[] = [];

  @OnEtpEvent('news')
  onNews(data: string) {
    this.seen.push(data);
    return `news handled: ${data}`;
  }

  @OnEtpEvent('broken')
  @OnEtpEvent('broken too')
  async broken(): Promise<string> {
    throw new Error('handler failed');
  }
}

describe('EtpClient in the application that serves the gateway', () => {
  test('talks to the gateway; the server asks back and an @OnEtpEvent method answers', async () => {
    const { app, port } = await startApp([EtpModule.forRoot()], [HelloGateway, NewsListener]);
    closeAfterTest(app);
    const client = app.get(EtpClient);
    expect(app.get(EtpRoomsService)).toBeInstanceOf(EtpRoomsService);
    expect(client.connected).toBe(false);
    await client.connect(wsUrl(port));

    await expect(client.emitWithAck('hello', 'wait acknowledgment')).resolves.toBe(
      'hello handled: wait acknowledgment',
    );
    await expect(client.emitWithAck('ask me', 'x')).resolves.toBe('client said: news handled: x');
    expect(app.get(NewsListener).seen).toEqual(['x']);

    const socket = app.get(HelloGateway).connected[0];
    const errors: Error[] = [];
    client.onError((error) => errors.push(error));
    await expect(socket.emitWithAck('broken', 1, { timeout: 5_000 })).resolves.toBeUndefined();
    await expect(socket.emitWithAck('broken too', 2, { timeout: 5_000 })).resolves.toBeUndefined();
    expect(errors.map((error) => (error as EtpHandlerError).event)).toEqual([
      'broken',
      'broken too',
    ]);

    await app.close();
    expect(client.connected).toBe(false);
    expect(client.closeCode).toBe(1000);
  });
});

describe('EtpModule.forRoot({ client }) in another application', () => {
  let server: { app: Awaited<ReturnType<typeof startApp>>['app']; port: number };
  let clientApp: TestingModule | undefined;

  beforeEach(async () => {
    server = await startApp([EtpModule.forRoot()], [HelloGateway]);
  });

  afterEach(async () => {
    await clientApp?.close();
    clientApp = undefined;
    await server.app.close();
  });

  test('the configured client connects on bootstrap and closes on shutdown', async () => {
    clientApp = await Test.createTestingModule({
      imports: [EtpModule.forRoot({ client: { url: wsUrl(server.port), query: { token: 't' } } })],
      providers: [NewsListener],
    }).compile();
    await clientApp.init();
    const client = clientApp.get(EtpClient);
    expect(client.connected).toBe(true);
    const socket = server.app.get(HelloGateway).connected[0];
    expect(socket.request.url).toBe('/ws?token=t&__etp_recovery=1');
    await expect(socket.emitWithAck('news', 'from the server')).resolves.toBe(
      'news handled: from the server',
    );

    const closed = new Promise<number | undefined>((resolve) =>
      socket.onClose(() => resolve(socket.closeCode)),
    );
    await clientApp.close();
    clientApp = undefined;
    expect(await closed).toBe(1000);
    expect(client.connected).toBe(false);
  });

  test('forRootAsync takes the options from a factory with injected providers', async () => {
    @Injectable()
    class Config {
      readonly etpUrl = wsUrl(server.port);
    }
    @Module({ providers: [Config], exports: [Config] })
    class ConfigModule {}

    clientApp = await Test.createTestingModule({
      imports: [
        EtpModule.forRootAsync({
          imports: [ConfigModule],
          inject: [Config],
          useFactory: async (config: Config) => ({ client: { url: config.etpUrl } }),
        }),
      ],
      providers: [NewsListener],
    }).compile();
    await clientApp.init();
    const client = clientApp.get(EtpClient);
    expect(client.connected).toBe(true);
    await expect(client.emitWithAck('hello', 'async')).resolves.toBe('hello handled: async');
    expect(clientApp.get(EtpRoomsService)).toBeInstanceOf(EtpRoomsService);
  });

  test('named clients are injected with @InjectEtpClient and get their own @OnEtpEvent handlers', async () => {
    @Injectable()
    class Billing {
      constructor(
        @InjectEtpClient('billing') readonly billing: EtpClient,
        readonly main: EtpClient,
      ) {}

      @OnEtpEvent('news', { client: 'billing' })
      invoice(data: string) {
        return `billing: ${data}`;
      }
    }

    clientApp = await Test.createTestingModule({
      imports: [
        EtpModule.forRootAsync({
          useFactory: () => ({ clients: { billing: { url: wsUrl(server.port) } } }),
          clients: ['billing'],
        }),
      ],
      providers: [Billing],
    }).compile();
    await clientApp.init();
    const billing = clientApp.get(Billing);
    expect(billing.billing).not.toBe(billing.main);
    expect(billing.billing.name).toBe('billing');
    expect(billing.billing.connected).toBe(true);
    expect(billing.main.connected).toBe(false);
    const socket = server.app.get(HelloGateway).connected[0];
    await expect(socket.emitWithAck('news', 'n1')).resolves.toBe('billing: n1');
  });

  test('an @OnEtpEvent naming a client that is not configured fails at startup', async () => {
    @Injectable()
    class Orphan {
      @OnEtpEvent('news', { client: 'nowhere' })
      news() {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [EtpModule.forRoot()],
      providers: [Orphan],
    }).compile();
    closeAfterTest(moduleRef);
    await expect(moduleRef.init()).rejects.toThrow('names the ETP client "nowhere"');
    await moduleRef.close();
  });
});

describe('a server that is down at bootstrap', () => {
  test('does not hold the boot: the client retries, says so, and connects once the server is up', async () => {
    const probe = await RawServer.start();
    closeAfterTest(probe);
    const port = probe.port;
    await probe.close();

    const clientApp = await Test.createTestingModule({
      imports: [
        EtpModule.forRoot({
          client: {
            url: `ws://127.0.0.1:${port}/ws`,
            reconnect: { initialDelay: 20, maxDelay: 50 },
          },
        }),
      ],
      providers: [NewsListener],
    })
      .setLogger(logger)
      .compile();
    closeAfterTest(clientApp);
    await clientApp.init();
    const client = clientApp.get(EtpClient);
    expect(client.connected).toBe(false);
    await eventually(() =>
      logger.lines.some((line) =>
        line.startsWith(`warn Reconnecting to ws://127.0.0.1:${port}/ws in `),
      ),
    );
    expect(logger.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^warn Cannot connect to ws://127.0.0.1:${port}/ws: .*ECONNREFUSED`),
      ),
    );

    const server = await RawServer.start(port);
    closeAfterTest(server);
    const ws = await server.connection();
    await eventually(() => client.connected);
    ws.send('news||5||late');
    expect((await server.next()).text).toBe('__ack_news||5||news handled: late');
    ws.send('broken||6||x');
    expect((await server.next()).text).toBe('__ack_broken||6');
    expect(logger.lines).toContain('error Handler of ETP event "broken" failed: handler failed');
    expect(logger.lines).toContain(`log Connected to ws://127.0.0.1:${port}/ws`);

    await clientApp.close();
    expect(client.connected).toBe(false);
    await server.close();
  });

  test('closing the application while the client retries leaves nothing running', async () => {
    const probe = await RawServer.start();
    closeAfterTest(probe);
    const port = probe.port;
    await probe.close();
    const clientApp = await Test.createTestingModule({
      imports: [EtpModule.forRoot({ client: { url: `ws://127.0.0.1:${port}/ws` } })],
    }).compile();
    closeAfterTest(clientApp);
    await clientApp.init();
    await clientApp.close();
    const server = await RawServer.start(port);
    closeAfterTest(server);
    await expect(server.connection(700)).rejects.toThrow('no connection');
    await server.close();
  });
});

test('without client options EtpClient is injectable and connect(url) works', async () => {
  const server = await RawServer.start();
  closeAfterTest(server);
  const moduleRef = await Test.createTestingModule({
    imports: [EtpModule.forRoot()],
  }).compile();
  closeAfterTest(moduleRef);
  await moduleRef.init();
  const client = moduleRef.get(EtpClient);
  expect(client.connected).toBe(false);
  await client.connect(server.url);
  await client.emit('hello', 'x');
  expect((await server.next()).text).toBe('hello||0||x');
  await moduleRef.close();
  expect(client.connected).toBe(false);
  await server.close();
});
