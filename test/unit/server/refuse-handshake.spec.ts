import { PassThrough } from 'node:stream';
import { refuseHandshake } from '../../../src/server/refuse-handshake.js';

describe('refuseHandshake', () => {
  test('writes the HTTP status, closes the connection and destroys the stream', async () => {
    const stream = new PassThrough();
    const written: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => written.push(chunk));
    refuseHandshake(stream, 401, 'Unauthorized');
    await new Promise((resolve) => stream.on('close', resolve));
    expect(Buffer.concat(written).toString()).toBe(
      'HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
    );
    expect(stream.destroyed).toBe(true);
  });

  test('a peer that resets the stream meanwhile is no uncaught error', () => {
    const stream = new PassThrough();
    refuseHandshake(stream, 403, 'Forbidden');
    expect(() => stream.emit('error', new Error('ECONNRESET'))).not.toThrow();
    expect(stream.destroyed).toBe(true);
  });
});
