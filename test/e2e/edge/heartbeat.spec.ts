import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import WebSocket from 'ws';
import { EtpModule, type EtpSocket } from '../../../src/index.js';
import { eventually, startApp } from '../../support/app.js';
import { wsUrl } from '../../support/raw-client.js';

const reasons = new Map<string, string>();

@WebSocketGateway({ path: '/short', heartbeat: { interval: 40, timeout: 40 } })
class ShortGateway {
  handleDisconnect(socket: EtpSocket, reason: string) {
    reasons.set(socket.request.headers['x-peer'] as string, reason);
  }
}

/** A timeout longer than the interval: rounds must not clear each other's deadline. */
@WebSocketGateway({ path: '/long', heartbeat: { interval: 20, timeout: 120 } })
class LongGateway {
  handleDisconnect(socket: EtpSocket, reason: string) {
    reasons.set(socket.request.headers['x-peer'] as string, reason);
  }
}

/** What a test opened, closed after it whether it passed or not. */
let app: INestApplication | undefined;
const peers: WebSocket[] = [];
let pongs: ReturnType<typeof setInterval> | undefined;

/** A `ws` client that answers pings only when told to, and sends the pongs it is told to. */
function peer(port: number, path: string, name: string, autoPong: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(port, path), { autoPong, headers: { 'x-peer': name } });
    peers.push(ws);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('heartbeat', () => {
  beforeEach(() => reasons.clear());

  afterEach(async () => {
    clearInterval(pongs);
    for (const ws of peers.splice(0)) ws.terminate();
    await app?.close();
    app = undefined;
  });

  it('drops a peer whose pongs answer no ping of ours, keeps one that answers', async () => {
    const started = await startApp([EtpModule.forRoot()], [ShortGateway]);
    app = started.app;
    const port = started.port;
    const honest = await peer(port, '/short', 'honest', true);
    const unsolicited = await peer(port, '/short', 'unsolicited', false);
    const wrongEcho = await peer(port, '/short', 'wrong-echo', false);
    pongs = setInterval(() => unsolicited.pong(), 5);
    wrongEcho.on('ping', () => wrongEcho.pong(Buffer.from('not your token')));

    await eventually(() => reasons.size === 2, 3_000);
    clearInterval(pongs);
    expect(reasons.get('unsolicited')).toBe('heartbeat timeout');
    expect(reasons.get('wrong-echo')).toBe('heartbeat timeout');
    // Several more rounds: the peer that echoes the pings stays.
    await sleep(300);
    expect(reasons.has('honest')).toBe(false);
    expect(honest.readyState).toBe(WebSocket.OPEN);
  });

  it('drops a silent peer when the timeout is longer than the interval', async () => {
    const started = await startApp([EtpModule.forRoot()], [LongGateway]);
    app = started.app;
    const port = started.port;
    const honest = await peer(port, '/long', 'honest', true);
    await peer(port, '/long', 'silent', false);
    await eventually(() => reasons.size === 1, 3_000);
    expect(reasons.get('silent')).toBe('heartbeat timeout');
    await sleep(300);
    expect(reasons.has('honest')).toBe(false);
    expect(honest.readyState).toBe(WebSocket.OPEN);
  });

  it.each([
    [{ interval: 0 }, 'heartbeat.interval must be a positive number of milliseconds, got 0'],
    [
      { timeout: Number.NaN },
      'heartbeat.timeout must be a positive number of milliseconds, got NaN',
    ],
  ])('refuses %p at start', async (heartbeat, message) => {
    @WebSocketGateway({ path: '/bad', heartbeat })
    class BadGateway {}
    await expect(startApp([EtpModule.forRoot()], [BadGateway])).rejects.toThrow(message);
  });
});
