import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { WebSocket as WsWebSocket } from 'ws';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { EtpModule } from '../../../src/index.js';
import {
  DisconnectReason,
  EtpBrowserClient,
  EtpConnectionClosedError,
  type EtpWebSocketClass,
} from '../../../src/browser.js';
import { startApp } from '../../support/app.js';
import { wsUrl } from '../../support/raw-client.js';
import { RawServer } from '../../support/raw-server.js';
import { closeAfterTest } from '../../support/cleanup.js';

const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

/** Node 22+ and browsers have a global WebSocket; Node 20 has none, so `ws`'s stands in. */
const WebSocketImpl: EtpWebSocketClass =
  (globalThis as { WebSocket?: EtpWebSocketClass }).WebSocket ?? WsWebSocket;

/** Every module the compiled file imports, as the browser would fetch them. */
function importsOf(file: string): string[] {
  const output = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: {
      module: ts.ModuleKind.ES2022,
      target: ts.ScriptTarget.ES2022,
      experimentalDecorators: true,
    },
    fileName: file,
  }).outputText;
  const specifiers: string[] = [];
  const pattern =
    /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]/g;
  for (const match of output.matchAll(pattern)) specifiers.push(match[1] ?? match[2]);
  const bare = /(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;
  for (const match of output.matchAll(bare)) specifiers.push(match[1]);
  return specifiers;
}

describe('the browser entry', () => {
  test('reaches no Node, ws or Nest module: only relative .js files of its own', () => {
    const reached = new Set<string>();
    const outside: string[] = [];
    const visit = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const specifier of importsOf(file)) {
        if (!specifier.startsWith('./') && !specifier.startsWith('../')) {
          outside.push(`${relative(srcDir, file)} -> ${specifier}`);
          continue;
        }
        expect(specifier.endsWith('.js')).toBe(true);
        visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      }
    };
    visit(resolve(srcDir, 'browser.ts'));
    expect(outside).toEqual([]);
    const files = [...reached].map((file) => relative(srcDir, file)).sort();
    expect(files).toContain('client/etp-client-base.ts');
    expect(files).toContain('protocol/frame.ts');
    expect(
      files.filter((file) => !file.startsWith('client/') && !file.startsWith('protocol/')),
    ).toEqual(['browser.ts']);
    for (const file of reached) {
      const source = readFileSync(file, 'utf8');
      expect(source).not.toMatch(/\brequire\(|\bprocess\.|from 'node:/);
    }
  });

  test('the scan sees a forbidden import when there is one', () => {
    expect(importsOf(resolve(srcDir, 'client/ws-transport.ts'))).toContain('ws');
    expect(importsOf(resolve(srcDir, 'client/etp-client.ts'))).toContain('@nestjs/common');
  });
});

@WebSocketGateway({ path: '/ws' })
class HelloGateway {
  @SubscribeMessage('hello')
  hello(@MessageBody() body: unknown) {
    return { echo: body };
  }
}

describe('EtpBrowserClient over the WebSocket API', () => {
  test('exchanges acks both ways with the real gateway', async () => {
    const { app, port } = await startApp([EtpModule.forRoot()], [HelloGateway]);
    closeAfterTest(app);
    const client = new EtpBrowserClient(wsUrl(port), { WebSocket: WebSocketImpl });
    closeAfterTest(client);
    await client.connect();
    expect(client.connected).toBe(true);
    await expect(client.emitWithAck('hello', { a: 'é' })).resolves.toEqual({ echo: { a: 'é' } });
    await client.emit('hello', 'fire and forget');
    await client.close();
    expect(client.connected).toBe(false);
    await expect(client.emit('hello')).rejects.toBeInstanceOf(EtpConnectionClosedError);
    await app.close();
  });

  test('reads text and binary messages alike and answers with exact frames', async () => {
    const server = await RawServer.start();
    closeAfterTest(server);
    const client = new EtpBrowserClient(server.url, {
      WebSocket: WebSocketImpl,
      query: { token: 'abc' },
    });
    closeAfterTest(client);
    client.on('news', (data) => `got ${String(data)}`);
    client.on('quiet', () => undefined);
    await client.connect();
    const ws = await server.connection();
    expect(server.requests[0].url).toBe('/ws?token=abc&__etp_recovery=1');

    ws.send('news||1||héllo');
    expect(await server.next()).toMatchObject({ text: '__ack_news||1||got héllo', binary: false });
    ws.send(Buffer.from('news||2||bytes'), { binary: true });
    expect((await server.next()).text).toBe('__ack_news||2||got bytes');
    ws.send('quiet||7||x');
    expect((await server.next()).text).toBe('__ack_quiet||7');

    const answer = client.emitWithAck('hello', 'wait acknowledgment');
    expect((await server.next()).text).toBe('hello||1||wait acknowledgment');
    ws.send('__ack_hello||1||hello handled');
    await expect(answer).resolves.toBe('hello handled');

    await client.close();
    await server.close();
  });

  test('a message above the read limit ends the connection (4009: browsers may not send 1009)', async () => {
    const server = await RawServer.start();
    closeAfterTest(server);
    const client = new EtpBrowserClient(server.url, {
      WebSocket: WebSocketImpl,
      maxPayload: 100,
      reconnect: false,
    });
    closeAfterTest(client);
    await client.connect();
    const ws = await server.connection();
    const serverSaw = new Promise<number>((resolve) => ws.once('close', resolve));
    const disconnected = new Promise<string>((resolve) => client.onDisconnect(resolve));
    ws.send(`big||0||${'x'.repeat(200)}`);
    expect(await disconnected).toBe(DisconnectReason.MessageTooBig);
    expect(client.closeCode).toBe(1009);
    expect(await serverSaw).toBe(4009);
    await server.close();
  });

  test('reconnects after the server restarts', async () => {
    let server = await RawServer.start();
    closeAfterTest(server);
    const port = server.port;
    const client = new EtpBrowserClient(server.url, {
      WebSocket: WebSocketImpl,
      reconnect: { initialDelay: 10, maxDelay: 50 },
    });
    closeAfterTest(client);
    client.on('news', () => 'still here');
    await client.connect();
    await server.connection();
    await server.close();
    server = await RawServer.start(port);
    closeAfterTest(server);
    const ws = await server.connection();
    ws.send('news||3');
    expect((await server.next()).text).toBe('__ack_news||3||still here');
    await client.close();
    await server.close();
  });

  test('needs a WebSocket implementation', () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = global.WebSocket;
    delete global.WebSocket;
    try {
      expect(() => new EtpBrowserClient('ws://127.0.0.1:1/ws')).toThrow('No global WebSocket');
    } finally {
      if (saved !== undefined) global.WebSocket = saved;
    }
  });
});
