import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EtpServer } from '../../../src/server/etp-server.js';
import { normalizePath, UpgradeRouter } from '../../../src/server/upgrade-router.js';

/** A gateway server that records the handshakes routed to it. */
class FakeServer {
  readonly urls: string[] = [];

  constructor(readonly path: string | undefined) {}

  handleUpgrade(request: IncomingMessage): void {
    this.urls.push(request.url!);
  }
}

/** The stream of a handshake: records what is written and whether it was destroyed. */
class FakeStream extends EventEmitter {
  written = '';
  destroyed = false;

  end(text: string): void {
    this.written += text;
    this.emit('finish');
  }

  destroy(): void {
    this.destroyed = true;
  }
}

function setup(...paths: Array<string | undefined>) {
  const http = new EventEmitter();
  const router = new UpgradeRouter(http as unknown as HttpServer);
  const servers = paths.map((path) => new FakeServer(path));
  for (const server of servers) router.add(server as unknown as EtpServer);
  const upgrade = (url: string): FakeStream => {
    const stream = new FakeStream();
    http.emit('upgrade', { url } as IncomingMessage, stream as unknown as Duplex, Buffer.alloc(0));
    return stream;
  };
  return { http, router, servers, upgrade };
}

describe('UpgradeRouter', () => {
  test('routes by path, ignoring the query and trailing slashes', () => {
    const { servers, upgrade } = setup('/ws', 'chat/');
    upgrade('/ws?token=1');
    upgrade('/chat//');
    upgrade('/chat?x');
    expect(servers[0].urls).toEqual(['/ws?token=1']);
    expect(servers[1].urls).toEqual(['/chat//', '/chat?x']);
  });

  test('a gateway without a path takes every path no other claims', () => {
    const { servers, upgrade } = setup('/ws', undefined);
    upgrade('/ws');
    upgrade('/elsewhere');
    expect(servers[0].urls).toEqual(['/ws']);
    expect(servers[1].urls).toEqual(['/elsewhere']);
  });

  test('refuses a path nobody serves with 404 at once, and drops the stream', () => {
    const { upgrade } = setup('/ws');
    const stream = upgrade('/nope');
    expect(stream.written).toBe(
      'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
    );
    expect(stream.destroyed).toBe(true);
    stream.emit('error', new Error('reset by peer'));
  });

  test('refuses two gateways on one path, or two without a path', () => {
    const { router } = setup('/ws', undefined);
    expect(() => router.add(new FakeServer('ws/') as unknown as EtpServer)).toThrow(
      'Two ETP servers for the path /ws on one port',
    );
    expect(() => router.add(new FakeServer(undefined) as unknown as EtpServer)).toThrow(
      /Two ETP gateways without a path/,
    );
  });

  test('remove() frees the path; detach() stops listening', () => {
    const { http, router, servers, upgrade } = setup('/ws', undefined);
    router.remove(servers[0] as unknown as EtpServer);
    upgrade('/ws');
    expect(servers[1].urls).toEqual(['/ws']);
    router.remove(servers[1] as unknown as EtpServer);
    // No gateway is left: a handshake reaches none of them.
    upgrade('/ws');
    upgrade('/elsewhere');
    expect(servers.map((server) => server.urls)).toEqual([[], ['/ws']]);
    router.detach();
    expect(http.listenerCount('upgrade')).toBe(0);
  });

  const UNAVAILABLE =
    'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

  test('answers 503, not 404, on the path of a gateway that has shut down', () => {
    const { router, servers, upgrade } = setup('/ws', '/chat');
    router.remove(servers[0] as unknown as EtpServer);
    const closed = upgrade('/ws?token=1');
    expect(closed.written).toBe(UNAVAILABLE);
    expect(closed.destroyed).toBe(true);
    expect(upgrade('/nope').written).toMatch(/^HTTP\/1\.1 404 /);
    upgrade('/chat');
    expect(servers[1].urls).toEqual(['/chat']);
  });

  test('a path served again after its gateway shut down is routed again', () => {
    const { router, servers, upgrade } = setup('/ws');
    router.remove(servers[0] as unknown as EtpServer);
    const next = new FakeServer('/ws');
    router.add(next as unknown as EtpServer);
    upgrade('/ws');
    expect(next.urls).toEqual(['/ws']);
  });

  test('once the gateway without a path has shut down, every unclaimed path gets 503', () => {
    const { router, servers, upgrade } = setup('/ws', undefined);
    router.remove(servers[1] as unknown as EtpServer);
    expect(upgrade('/elsewhere').written).toBe(UNAVAILABLE);
    upgrade('/ws');
    expect(servers[0].urls).toEqual(['/ws']);
  });

  test('detached from a server still listening, answers 503 until that server closes', () => {
    const { http, router, upgrade } = setup('/ws');
    Object.assign(http, { listening: true });
    router.detach();
    expect(upgrade('/ws').written).toBe(UNAVAILABLE);
    expect(upgrade('/nope').written).toBe(UNAVAILABLE);
    http.emit('close');
    expect(http.listenerCount('upgrade')).toBe(0);
  });

  test('normalizePath adds the leading slash and drops trailing ones', () => {
    expect(['ws', '/ws/', '/', '//', ''].map(normalizePath)).toEqual(['/ws', '/ws', '/', '/', '/']);
  });
});
