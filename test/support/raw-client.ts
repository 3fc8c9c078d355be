import WebSocket from 'ws';

/**
 * A bare `ws` client that speaks ETP by hand, as a Go client puts bytes on the wire: every
 * frame it writes and reads is a raw string, so tests assert exact bytes.
 */
export class RawClient {
  readonly received: string[] = [];
  private waiters: Array<{ match: (frame: string) => boolean; resolve: (frame: string) => void }> =
    [];
  closeCode: number | undefined;
  closeReason = '';
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const frame = data.toString('utf8');
      this.received.push(frame);
      const waiter = this.waiters.find((one) => one.match(frame));
      if (waiter !== undefined) {
        this.waiters = this.waiters.filter((one) => one !== waiter);
        waiter.resolve(frame);
      }
    });
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
    const already = this.received.find(test);
    if (already !== undefined) {
      this.received.splice(this.received.indexOf(already), 1);
      return Promise.resolve(already);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((one) => one.resolve !== done);
        reject(
          new Error(
            `no frame matching ${String(match)} within ${timeoutMs} ms; got ${JSON.stringify(this.received)}`,
          ),
        );
      }, timeoutMs);
      const done = (frame: string): void => {
        clearTimeout(timer);
        this.received.splice(this.received.indexOf(frame), 1);
        resolve(frame);
      };
      this.waiters.push({ match: test, resolve: done });
    });
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
