import WebSocket from 'ws';
import { FrameQueue } from './frame-queue.js';

/**
 * A bare `ws` client that speaks ETP by hand, as a Go client puts bytes on the wire: every
 * frame it writes and reads is a raw string, so tests assert exact bytes.
 */
export class RawClient {
  private readonly queue = new FrameQueue<string>();
  closeCode: number | undefined;
  closeReason = '';
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.queue.push(data.toString('utf8')));
    this.closed = new Promise((resolve) =>
      ws.once('close', (code: number, reason: Buffer) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        resolve(code);
      }),
    );
  }

  static connect(url: string, options?: WebSocket.ClientOptions): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const client = new RawClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) =>
        reject(new Error(`handshake refused: ${response.statusCode}`)),
      );
    });
  }

  /** Frames received and not claimed by `next`. */
  get received(): string[] {
    return this.queue.unclaimed;
  }

  send(frame: string | Buffer): void {
    this.ws.send(frame);
  }

  /** The next frame (received from now on, or already received and unclaimed) that matches. */
  next(match: string | RegExp | ((frame: string) => boolean), timeoutMs = 5_000): Promise<string> {
    const test =
      typeof match === 'string'
        ? (frame: string) => frame.startsWith(match)
        : match instanceof RegExp
          ? (frame: string) => match.test(frame)
          : match;
    return this.queue.next(
      test,
      timeoutMs,
      () =>
        `no frame matching ${String(match)} within ${timeoutMs} ms; got ${JSON.stringify(this.received)}`,
    );
  }

  /** Sends and waits for the answer to `ackId`. */
  async request(frame: string, ackEvent: string, ackId: number): Promise<string> {
    const answer = this.next(
      (one) => one === `${ackEvent}||${ackId}` || one.startsWith(`${ackEvent}||${ackId}||`),
    );
    this.send(frame);
    return answer;
  }

  close(code?: number, reason?: string): Promise<number> {
    this.ws.close(code, reason);
    return this.closed;
  }
}

export function wsUrl(port: number, path = '/ws'): string {
  return `ws://127.0.0.1:${port}${path}`;
}
