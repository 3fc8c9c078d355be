import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { EtpClient, EtpModule } from '../../../src/index.js';
import { RawServer } from '../../support/raw-server.js';
import { CapturingLogger, eventually, startApp } from '../../support/app.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';
import { closeAfterTest } from '../../support/cleanup.js';

const FRAMES = 100_000;
const SUMMARY = /^(\d+) reports of ETP protocol errors left out of the log in the last second/;

let errors = 0;

@WebSocketGateway({ path: '/ws', onError: () => errors++ })
class FloodedGateway {
  @SubscribeMessage('who')
  who() {
    return 'me';
  }
}

@WebSocketGateway({ path: '/json', codec: 'json' })
class JsonGateway {
  @SubscribeMessage('data')
  data() {
    return 'ok';
  }
}

function logBytes(logger: CapturingLogger): number {
  return logger.lines.reduce((sum, line) => sum + Buffer.byteLength(line.message) + 1, 0);
}

/** Lines left out, as the summary lines count them. */
function suppressed(logger: CapturingLogger): number {
  return logger.lines.reduce((sum, line) => sum + Number(SUMMARY.exec(line.message)?.[1] ?? 0), 0);
}

describe('server logs', () => {
  it('escape what a peer chose: an event name cannot forge a log line', async () => {
    const logger = new CapturingLogger();
    const { app, port } = await startApp([EtpModule.forRoot()], [FloodedGateway, JsonGateway], {
      logger,
    });
    closeAfterTest(app);
    const client = await RawClient.connect(wsUrl(port));
    const forged = 'x\n[Nest] 1  - 01/01/2030, 00:00:00     LOG [Auth] admin logged in\u001b[0m';
    client.send(`${forged}||0`);
    const json = await RawClient.connect(wsUrl(port, '/json'));
    json.send(`data||0||not json\r\n[Nest] forged`);
    await eventually(
      () => logger.at('debug').length > 0 && logger.at('warn').join().includes('cannot be decoded'),
    );
    for (const { message } of logger.lines) {
      for (const raw of ['\n', '\r', '\u001b']) expect(message).not.toContain(raw);
    }
    expect(logger.at('debug').join()).toContain('x\\n[Nest] 1');
    expect(logger.at('debug').join()).toContain('\\u001b[0m');
    expect(logger.at('warn').join()).toContain('cannot be decoded');
    expect(logger.at('warn').join()).toContain('not json\\r\\n[');
    await client.close();
    await json.close();
    await app.close();
  });

  it(`write a bounded log under ${FRAMES} malformed frames, and count what they leave out`, async () => {
    const logger = new CapturingLogger();
    const { app, port } = await startApp([EtpModule.forRoot()], [FloodedGateway], { logger });
    closeAfterTest(app);
    errors = 0;
    const clients = await Promise.all(
      Array.from({ length: 8 }, () => RawClient.connect(wsUrl(port))),
    );
    for (let i = 0; i < FRAMES; i++) clients[i % clients.length].send(`not a frame ${i}`);
    await eventually(() => errors === FRAMES, 15_000);

    const written = logger.at('warn').filter((line) => line.startsWith('Malformed ETP frame'));
    // 5 a minute per connection, 8 connections; 10 a second in all.
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThanOrEqual(8 * 5);
    await eventually(() => suppressed(logger) === FRAMES - written.length, 5_000);
    expect(logBytes(logger)).toBeLessThan(16 * 1024);
    // Nothing else is lost: every connection is open and served.
    for (const [index, client] of clients.entries()) {
      expect(await client.request(`who||${index + 1}`, '__ack_who', index + 1)).toBe(
        `__ack_who||${index + 1}||me`,
      );
    }
    await Promise.all(clients.map((client) => client.close()));
    await app.close();
  });
});

describe('client logs', () => {
  const logger = new CapturingLogger();
  beforeAll(() => Logger.overrideLogger(logger));
  afterAll(() => Logger.overrideLogger(false));

  it(`write a bounded, escaped log under ${FRAMES} malformed frames from a server`, async () => {
    const server = await RawServer.start();
    closeAfterTest(server);
    const client = new EtpClient({ url: server.url, reconnect: false });
    closeAfterTest(client);
    let clientErrors = 0;
    client.onError(() => clientErrors++);
    await client.connect();
    const ws = await server.connection();
    ws.send('evil\nLOG forged line||0');
    for (let i = 0; i < FRAMES; i++) ws.send(`not a frame ${i}`);
    await eventually(() => clientErrors === FRAMES + 1, 15_000);

    const reports = logger.lines.filter((line) => !SUMMARY.test(line.message));
    const written = reports.filter((line) => /Malformed ETP frame|No handler/.test(line.message));
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThanOrEqual(5);
    for (const { message } of logger.lines) expect(message).not.toContain('\n');
    expect(written[0].message).toContain('evil\\nLOG forged line');
    await eventually(() => suppressed(logger) === FRAMES + 1 - written.length, 5_000);
    expect(logBytes(logger)).toBeLessThan(8 * 1024);
    await client.close();
    await server.close();
  });
});
