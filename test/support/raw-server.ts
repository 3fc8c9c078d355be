import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { FrameQueue } from './frame-queue.js';

export interface RawFrame {
  readonly text: string;
  readonly binary: boolean;
  readonly ws: WebSocket;
}

/**
 * A bare `ws` server that speaks ETP by hand, as a Go server puts bytes on the wire: tests read
 * and write raw frames and assert exact bytes.
 */
export class RawServer {
  readonly requests: IncomingMessage[] = [];
  readonly sockets: WebSocket[] = [];
  private readonly queue = new FrameQueue<RawFrame>();
  private socketWaiters: Array<(ws: WebSocket) => void> = [];
  private unclaimedSockets: WebSocket[] = [];

  private constructor(
    private readonly wss: WebSocketServer,
    readonly port: number,
  ) {
    wss.on('connection', (ws, request) => {
      this.requests.push(request);
      this.sockets.push(ws);
      ws.on('message', (data: Buffer, binary: boolean) =>
        this.queue.push({ text: data.toString('utf8'), binary, ws }),
      );
      const waiter = this.socketWaiters.shift();
      if (waiter === undefined) this.unclaimedSockets.push(ws);
      else waiter(ws);
    });
  }

  static start(port = 0, options: { maxPayload?: number } = {}): Promise<RawServer> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({ host: '127.0.0.1', port, ...options });
      wss.once('error', reject);
      wss.once('listening', () => resolve(new RawServer(wss, (wss.address() as AddressInfo).port)));
    });
  }

  /** Frames received and not claimed by `next`. */
  get frames(): RawFrame[] {
    return this.queue.unclaimed;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** The next connection (or the latest one already made and not yet claimed). */
  connection(timeoutMs = 5_000): Promise<WebSocket> {
    const already = this.unclaimedSockets.shift();
    if (already !== undefined) return Promise.resolve(already);
    return withTimeout(
      new Promise<WebSocket>((resolve) => this.socketWaiters.push(resolve)),
      timeoutMs,
      'no connection',
      () => (this.socketWaiters = []),
    );
  }

  /** The next frame received (or already received and unclaimed) that matches. */
  next(
    match: string | ((frame: RawFrame) => boolean) = () => true,
    timeoutMs = 5_000,
  ): Promise<RawFrame> {
    const test =
      typeof match === 'string' ? (frame: RawFrame) => frame.text.startsWith(match) : match;
    return this.queue.next(
      test,
      timeoutMs,
      () =>
        `no frame matching ${String(match)}; got ${JSON.stringify(this.frames.map((one) => one.text))}`,
    );
  }

  /** Stops listening and drops every connection without a closing handshake. */
  close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  message: string,
  onTimeout: () => void,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_resolve, reject) => {
      timer = setTimeout(() => {
        onTimeout();
        reject(new Error(message));
      }, timeoutMs);
    }),
  ]);
}

/** Resolves once `check` holds, polling every few ms; fails after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
