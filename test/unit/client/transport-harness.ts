import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientTransportListener } from '../../../src/client/transport.js';

/** A real `ws` server on a free port; the test plays the server through `peer`. */
export class TestServer {
  readonly wss: WebSocketServer;
  readonly peers: WebSocket[] = [];
  readonly received: Array<{ data: string; binary: boolean }> = [];

  private constructor(wss: WebSocketServer) {
    this.wss = wss;
    wss.on('connection', (ws) => {
      this.peers.push(ws);
      ws.on('message', (data, binary) => this.received.push({ data: String(data), binary }));
    });
  }

  static start(): Promise<TestServer> {
    return new Promise((resolve) => {
      const wss: WebSocketServer = new WebSocketServer({ host: '127.0.0.1', port: 0 }, () =>
        resolve(new TestServer(wss)),
      );
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/ws`;
  }

  async peer(): Promise<WebSocket> {
    await until(() => this.peers.length > 0);
    return this.peers[this.peers.length - 1];
  }

  close(): Promise<void> {
    for (const peer of this.peers) peer.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

/** A transport listener that records what the transport reports, in order. */
export class RecordingListener implements ClientTransportListener {
  readonly events: unknown[][] = [];

  open(): void {
    this.events.push(['open']);
  }

  message(bytes: Uint8Array): void {
    this.events.push(['message', Buffer.from(bytes).toString('utf8'), bytes instanceof Uint8Array]);
  }

  error(error: Error): void {
    this.events.push(['error', error.message]);
  }

  close(code: number, reason: string): void {
    this.events.push(['close', code, reason]);
  }

  pong(): void {
    this.events.push(['pong']);
  }

  has(kind: string): boolean {
    return this.events.some(([event]) => event === kind);
  }
}

export async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!check()) throw new Error('timed out');
}
