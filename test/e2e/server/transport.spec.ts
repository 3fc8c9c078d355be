import 'reflect-metadata';
import { createServer } from 'node:net';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import WebSocket from 'ws';
import { EtpModule } from '../../../src/index.js';
import { eventually, startApp } from '../../support/app.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';
import { closeAfterTest } from '../../support/cleanup.js';

/** A free loopback port, for gateways that get a server of their own. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The handshake's HTTP status, or 101 when it succeeded. */
function handshakeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (error) => reject(error));
  });
}

@WebSocketGateway({ path: '/ws' })
class AppPortGateway {
  @SubscribeMessage('who')
  who() {
    return 'app-port';
  }
}

@WebSocketGateway({ path: '/strict' })
class StrictOriginGateway {
  @SubscribeMessage('who')
  who() {
    return 'strict';
  }
}

@WebSocketGateway({
  path: '/open',
  cors: { origin: ['https://allowed.example', /\.trusted\.example$/] },
})
class AllowListGateway {
  @SubscribeMessage('who')
  who() {
    return 'open';
  }
}

describe('where gateways listen', () => {
  it('shares the application HTTP server on port 0, next to HTTP routes', async () => {
    const { app, port } = await startApp([EtpModule.forRoot()], [AppPortGateway]);
    closeAfterTest(app);
    const client = await RawClient.connect(wsUrl(port, '/ws'));
    expect(await client.request('who||1', '__ack_who', 1)).toBe('__ack_who||1||app-port');
    const response = await fetch(`http://127.0.0.1:${port}/nothing-here`);
    expect(response.status).toBe(404);
    await client.close();
    await app.close();
  });

  it('gives another port its own server, shared by gateways on different paths', async () => {
    const port = await freePort();
    @WebSocketGateway(port, { path: '/a' })
    class GatewayA {
      @SubscribeMessage('who')
      who() {
        return 'a';
      }
    }
    @WebSocketGateway(port, { path: '/b' })
    class GatewayB {
      @SubscribeMessage('who')
      who() {
        return 'b';
      }
    }
    const { app, port: appPort } = await startApp([EtpModule.forRoot()], [GatewayA, GatewayB]);
    closeAfterTest(app);
    expect(appPort).not.toBe(port);
    const a = await RawClient.connect(wsUrl(port, '/a'));
    const b = await RawClient.connect(wsUrl(port, '/b/?x=1'));
    expect(await a.request('who||1', '__ack_who', 1)).toBe('__ack_who||1||a');
    expect(await b.request('who||1', '__ack_who', 1)).toBe('__ack_who||1||b');
    expect(await handshakeStatus(wsUrl(appPort, '/a'))).toBe(404);
    await a.close();
    await b.close();
    await app.close();
    // The port's own server is closed with the app.
    await expect(handshakeStatus(wsUrl(port, '/a'))).rejects.toThrow(/ECONNREFUSED/);
  });

  it('serves two gateways on one path: both see the connection, each its own events', async () => {
    const seen: string[] = [];
    @WebSocketGateway({ path: '/shared' })
    class FirstGateway {
      handleConnection() {
        seen.push('first');
      }
      @SubscribeMessage('one')
      one() {
        return 'first';
      }
    }
    @WebSocketGateway({ path: '/shared' })
    class SecondGateway {
      handleConnection() {
        seen.push('second');
      }
      @SubscribeMessage('two')
      two() {
        return 'second';
      }
    }
    const { app, port } = await startApp([EtpModule.forRoot()], [FirstGateway, SecondGateway]);
    closeAfterTest(app);
    const client = await RawClient.connect(wsUrl(port, '/shared'));
    expect(await client.request('one||1', '__ack_one', 1)).toBe('__ack_one||1||first');
    expect(await client.request('two||2', '__ack_two', 2)).toBe('__ack_two||2||second');
    expect(seen.sort()).toEqual(['first', 'second']);
    await client.close();
    await app.close();
  });

  it('refuses a handshake for an unknown path at once', async () => {
    const { app, port } = await startApp([EtpModule.forRoot()], [AppPortGateway]);
    closeAfterTest(app);
    const started = Date.now();
    expect(await handshakeStatus(wsUrl(port, '/elsewhere'))).toBe(404);
    expect(Date.now() - started).toBeLessThan(2_000);
    await app.close();
  });
});

describe('origin check', () => {
  let app: Awaited<ReturnType<typeof startApp>>;

  beforeAll(async () => {
    app = await startApp([EtpModule.forRoot()], [StrictOriginGateway, AllowListGateway]);
  });
  afterAll(async () => {
    await app.app.close();
  });

  it('accepts clients that send no Origin, as Go and Node clients do', async () => {
    expect(await handshakeStatus(wsUrl(app.port, '/strict'))).toBe(101);
  });

  it('accepts a browser on the request host', async () => {
    const origin = `http://127.0.0.1:${app.port}`;
    expect(await handshakeStatus(wsUrl(app.port, '/strict'), { Origin: origin })).toBe(101);
  });

  it('refuses a browser from another origin by default', async () => {
    const status = await handshakeStatus(wsUrl(app.port, '/strict'), {
      Origin: 'https://evil.example',
    });
    expect(status).toBe(403);
  });

  it('accepts the origins a gateway allows, and only those', async () => {
    const url = wsUrl(app.port, '/open');
    expect(await handshakeStatus(url, { Origin: 'https://allowed.example' })).toBe(101);
    expect(await handshakeStatus(url, { Origin: 'https://app.trusted.example' })).toBe(101);
    expect(await handshakeStatus(url, { Origin: 'https://other.example' })).toBe(403);
  });
});

describe('read limit', () => {
  it('takes a message of 1 MiB by default and closes on a larger one with 1009', async () => {
    const { app, port } = await startApp([EtpModule.forRoot()], [AppPortGateway]);
    closeAfterTest(app);
    const client = await RawClient.connect(wsUrl(port));
    const head = 'who||1||';
    client.send(head + 'x'.repeat(1024 * 1024 - head.length));
    expect(await client.next('__ack_who||1')).toBe('__ack_who||1||app-port');
    client.send(head + 'x'.repeat(1024 * 1024 - head.length + 1));
    expect(await client.closed).toBe(1009);
    await app.close();
  });
});

describe('heartbeat', () => {
  it('pings on the configured interval, and not at all when switched off', async () => {
    @WebSocketGateway({ path: '/beat', heartbeat: { interval: 30, timeout: 500 } })
    class BeatingGateway {}
    @WebSocketGateway({ path: '/quiet', heartbeat: false })
    class QuietGateway {}
    const { app, port } = await startApp([EtpModule.forRoot()], [BeatingGateway, QuietGateway]);
    closeAfterTest(app);
    const beating = await RawClient.connect(wsUrl(port, '/beat'));
    const quiet = await RawClient.connect(wsUrl(port, '/quiet'));
    let beatingPings = 0;
    let quietPings = 0;
    beating.ws.on('ping', () => beatingPings++);
    quiet.ws.on('ping', () => quietPings++);
    // Waits for the pings rather than a fixed time: a loaded machine delays the timers.
    await eventually(() => beatingPings >= 3);
    expect(quietPings).toBe(0);
    await beating.close();
    await quiet.close();
    await app.close();
  });
});
