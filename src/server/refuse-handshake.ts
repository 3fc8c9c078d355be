import type { Duplex } from 'node:stream';

/**
 * Answers a handshake with an HTTP error and closes the stream. The stream of an upgrade has no
 * error listener left: a peer resetting it meanwhile must not become an uncaught error.
 */
export function refuseHandshake(stream: Duplex, status: number, text: string): void {
  stream.on('error', () => stream.destroy());
  stream.once('finish', () => stream.destroy());
  stream.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
