import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { HandshakeAuthorizer } from '../../../src/server/authorize.js';
import type {
  ConnectionAdmission,
  ConnectionRegistry,
} from '../../../src/server/connection-registry.js';
import type { EtpWebSocket } from '../../../src/server/etp-websocket.js';
import { HandshakeGate, type GateHost } from '../../../src/server/handshake-gate.js';
import { resolveGatewayOptions, type EtpGatewayOptions } from '../../../src/server/options.js';
import { attempt, quietLogger } from './support/handshakes.js';

const quiet = quietLogger();

/** The gateway server's part: it records each accepted connection, with what it came with. */
class RecordingHost implements GateHost {
  authorizer: HandshakeAuthorizer | undefined;
  registry: ConnectionRegistry | undefined;
  readonly accepted: Array<{
    ws: EtpWebSocket;
    url: string | undefined;
    auth: unknown;
    admission: unknown;
  }> = [];

  accept(
    ws: EtpWebSocket,
    request: IncomingMessage,
    _stream: Duplex,
    auth: unknown,
    admission: ConnectionAdmission | undefined,
  ): void {
    this.accepted.push({ ws, url: request.url, auth, admission });
  }
}

describe('HandshakeGate', () => {
  let http: Server;
  let gate: HandshakeGate;
  let host: RecordingHost;
  let url: string;

  async function listen(options: EtpGatewayOptions = {}): Promise<void> {
    host = new RecordingHost();
    gate = new HandshakeGate(resolveGatewayOptions({ path: '/ws', ...options }), quiet, host);
    http = createServer();
    http.on('upgrade', (request, stream, head) => gate.handle(request, stream, head));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws`;
  }

  afterEach(async () => {
    for (const { ws } of host?.accepted ?? []) ws.terminate();
    await gate?.close();
    if (http !== undefined) {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });

  test('with no authorize and no registry, upgrades at once', async () => {
    await listen();
    expect(await attempt(url)).toBe('open');
    expect(host.accepted.map(({ url, auth, admission }) => [url, auth, admission])).toEqual([
      ['/ws', undefined, undefined],
    ]);
  });

  test('an origin the cors option does not allow is refused with 403', async () => {
    await listen({ cors: { origin: 'https://app.example' } });
    expect(await attempt(url, { origin: 'https://evil.example' })).toBe(403);
    expect(await attempt(url, { origin: 'https://app.example' })).toBe('open');
    expect(host.accepted).toHaveLength(1);
  });

  test('authorize decides before the upgrade; what it returns is the connection’s auth', async () => {
    await listen();
    host.authorizer = new HandshakeAuthorizer(
      (request) => (request.headers['x-token'] === 'good' ? { user: 7 } : false),
      1_000,
      quiet,
    );
    expect(await attempt(url, { 'x-token': 'bad' })).toBe(401);
    expect(await attempt(url, { 'x-token': 'good' })).toBe('open');
    expect(host.accepted.map(({ auth }) => auth)).toEqual([{ user: 7 }]);
  });

  test('the registry’s admission is awaited, and the connection gets what it resolved with', async () => {
    await listen();
    let admit: (value: ConnectionAdmission) => void = () => undefined;
    host.registry = {
      admit: () => new Promise((resolve) => (admit = resolve)),
    } as unknown as ConnectionRegistry;
    const opening = attempt(url);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(host.accepted).toEqual([]);
    admit({ recovered: true });
    expect(await opening).toBe('open');
    expect(host.accepted[0].admission).toEqual({ recovered: true });
  });

  test('an admission that fails ends that handshake, and the gate goes on', async () => {
    await listen();
    let calls = 0;
    host.registry = {
      admit: () => (++calls === 1 ? Promise.reject(new Error('history down')) : undefined),
    } as unknown as ConnectionRegistry;
    expect(await attempt(url)).toBe(0);
    expect(await attempt(url)).toBe('open');
  });

  test('after shutDown every handshake is refused with 503, one waiting for admission too', async () => {
    await listen();
    let admit: (value: ConnectionAdmission) => void = () => undefined;
    host.registry = {
      admit: () => new Promise((resolve) => (admit = resolve)),
    } as unknown as ConnectionRegistry;
    const waiting = attempt(url);
    await new Promise((resolve) => setTimeout(resolve, 50));
    gate.shutDown();
    expect(gate.closed).toBe(true);
    admit({ recovered: false });
    expect(await waiting).toBe(503);
    expect(await attempt(url)).toBe(503);
    expect(host.accepted).toEqual([]);
  });
});
