import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * A WebSocket peer on a bare TCP socket, so a test decides when it reads: `pause()` stops
 * reading exactly as a stalled client does (the kernel buffers fill, then the server's).
 * It writes masked frames by hand and counts the server's messages once it reads again.
 */
export class RawPeer {
  /** Text messages received, in order (only while reading). */
  readonly messages: string[] = [];
  /** Close status of the server's close frame, if one came. */
  closeFrameCode: number | undefined;
  readonly ended: Promise<void>;
  private pending = Buffer.alloc(0);

  private constructor(readonly socket: Socket) {
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
  }

  static connect(
    port: number,
    path = '/ws',
    headers: Record<string, string> = {},
  ): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const extra = Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          `Sec-WebSocket-Version: 13\r\n${extra}\r\n`,
      );
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        socket.off('data', onData);
        const status = head.subarray(0, end).toString('latin1').split(' ')[1];
        if (status !== '101') {
          socket.destroy();
          reject(new Error(`handshake refused: ${status}`));
          return;
        }
        const peer = new RawPeer(socket);
        socket.on('data', (data: Buffer) => peer.read(data));
        peer.read(head.subarray(end + 4));
        resolve(peer);
      };
      socket.on('data', onData);
      socket.once('error', reject);
    });
  }

  /** Writes a text message, masked as a client must (with a zero key: the bytes stay as they are). */
  send(text: string): boolean {
    const payload = Buffer.from(text, 'utf8');
    const length = payload.length;
    const header =
      length < 126
        ? Buffer.from([0x81, 0x80 | length, 0, 0, 0, 0])
        : Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff, 0, 0, 0, 0]);
    return this.socket.write(Buffer.concat([header, payload]));
  }

  /** A pong the server did not ask for. */
  sendPong(data = Buffer.alloc(0)): void {
    this.socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | data.length, 0, 0, 0, 0]), data]));
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    let buffer = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (buffer.length < 2) break;
      const opcode = buffer[0] & 0x0f;
      let length = buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) break;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) break;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffer.length < offset + length) break;
      const payload = buffer.subarray(offset, offset + length);
      if (opcode === 0x1) this.messages.push(payload.toString('utf8'));
      if (opcode === 0x8 && length >= 2) this.closeFrameCode = payload.readUInt16BE(0);
      buffer = buffer.subarray(offset + length);
    }
    this.pending = Buffer.from(buffer);
  }
}
