import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * A WebSocket peer on a TCP socket that stays half open: it sends its own close frame and then
 * never ends the connection, even once the server has ended its side. Until `destroy()`, the
 * server's `ws` waits for it (for its close timeout), the connection in the CLOSING state.
 */
export class HalfOpenPeer {
  private received = Buffer.alloc(0);

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    socket.on('error', () => undefined);
  }

  static connect(port: number, path: string): Promise<HalfOpenPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      const peer = new HalfOpenPeer(socket);
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          `Sec-WebSocket-Version: 13\r\n\r\n`,
      );
      const onData = (): void => {
        if (!peer.text.includes('\r\n\r\n')) return;
        socket.off('data', onData);
        if (peer.text.startsWith('HTTP/1.1 101')) resolve(peer);
        else reject(new Error(`handshake refused: ${peer.text.split('\r\n')[0]}`));
      };
      socket.on('data', onData);
      socket.once('error', reject);
    });
  }

  /** What came so far, as Latin-1 text (frame headers and all). */
  get text(): string {
    return this.received.toString('latin1');
  }

  /** Writes a short text message, masked with a zero key as a client must. */
  send(text: string): void {
    const payload = Buffer.from(text, 'utf8');
    this.socket.write(
      Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]),
    );
  }

  /** Sends a close frame (1000), and nothing after it. */
  sendClose(): void {
    this.socket.write(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
  }

  /** Whether the server's close frame (1000) came. */
  get closeFrameReceived(): boolean {
    return this.received.includes(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
  }

  destroy(): void {
    this.socket.destroy();
  }
}
