import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

/**
 * Sends a WebSocket handshake on a bare TCP socket and resolves with the HTTP status of the
 * answer (101 when upgraded), or `'closed'` when the connection ends without one. The socket is
 * closed as soon as the status line is read, so a test can hold hundreds of them pending.
 */
export function handshakeStatus(port: number, path: string): Promise<number | 'closed'> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    socket.on('error', () => undefined);
    socket.once('close', () => resolve('closed'));
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3}) /.exec(head);
      if (match === null) return;
      resolve(Number(match[1]));
      socket.destroy();
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
        `Sec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}
