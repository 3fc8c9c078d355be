import 'reflect-metadata';
import { createServer, type AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
} from '@nestjs/websockets';
import { EtpAdapter, EtpClient, EtpModule, type EtpSocket } from '../../../src/index.js';
import { CapturingLogger, eventually } from '../../support/app.js';
import { RawServer } from '../../support/raw-server.js';
import { closeAfterTest } from '../../support/cleanup.js';

@WebSocketGateway({ path: '/ws' })
class EchoGateway implements OnGatewayConnection {
  readonly connected: EtpSocket[] = [];

  handleConnection(socket: EtpSocket): void {
    this.connected.push(socket);
  }

  @SubscribeMessage('echo')
  echo(@MessageBody() body: string): string {
    return `echo ${body}`;
  }
}

/** A loopback port free right now: the app's own URL must be known before it listens. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** An app whose default EtpClient points at the app's own gateway, created but not listening. */
async function ownGatewayApp(
  port: number,
  client: { connectOnBootstrap?: boolean } = {},
): Promise<{ app: INestApplication; logger: CapturingLogger }> {
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [
      EtpModule.forRoot({
        client: {
          url: `ws://127.0.0.1:${port}/ws`,
          reconnect: { initialDelay: 20, maxDelay: 50 },
          ...client,
        },
      }),
    ],
    providers: [EchoGateway],
  }).compile();
  const app = moduleRef.createNestApplication({ logger });
  app.useWebSocketAdapter(new EtpAdapter(app));
  return { app, logger };
}

const lines = (logger: CapturingLogger) =>
  logger.lines.map((line) => `${line.level} ${line.message}`);

describe('an EtpClient pointed at its own app gateway', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  test('waits for app.listen(): no refused attempt is logged, and it is connected after listen', async () => {
    const port = await freePort();
    const started = await ownGatewayApp(port);
    app = started.app;
    await app.init();
    const client = app.get(EtpClient);
    expect(client.connected).toBe(false);

    await app.listen(port, '127.0.0.1');
    await eventually(() => client.connected);
    await expect(client.emitWithAck('echo', 'self')).resolves.toBe('echo self');
    expect(app.get(EchoGateway).connected).toHaveLength(1);
    expect(lines(started.logger)).toContain(`log Connected to ws://127.0.0.1:${port}/ws`);
    expect(
      lines(started.logger).filter((line) => /Cannot connect|Reconnecting/.test(line)),
    ).toEqual([]);
  });

  test('an app closed before it listens never connects, then or later', async () => {
    const port = await freePort();
    const started = await ownGatewayApp(port);
    await started.app.init();
    const client = started.app.get(EtpClient);
    await started.app.close();

    // Someone else takes the port: the closed app's client must not come knocking.
    const other = await RawServer.start(port);
    closeAfterTest(other);
    await expect(other.connection(300)).rejects.toThrow('no connection');
    await other.close();
    expect(client.connected).toBe(false);
    expect(lines(started.logger).filter((line) => /Cannot connect|Connected/.test(line))).toEqual(
      [],
    );
  });

  test('with connectOnBootstrap: false it stays idle after listen until connect() is called', async () => {
    const port = await freePort();
    const started = await ownGatewayApp(port, { connectOnBootstrap: false });
    app = started.app;
    await app.listen(port, '127.0.0.1');
    const client = app.get(EtpClient);
    expect(app.get(EchoGateway).connected).toHaveLength(0);
    expect(client.connected).toBe(false);

    await client.connect();
    await expect(client.emitWithAck('echo', 'manual')).resolves.toBe('echo manual');
  });
});
