import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { EtpHandshake } from '../../../src/server/handshake.js';

describe('EtpHandshake', () => {
  test('keeps the URL, the headers and the TCP socket of the request, nothing more', () => {
    const tcp = { remoteAddress: '10.0.0.7', remotePort: 50_123 } as Socket;
    const headers = { host: 'example.test', 'x-peer': 'a' };
    const request = {
      url: '/ws?token=abc',
      headers,
      socket: tcp,
      method: 'GET',
      rawHeaders: ['Host', 'example.test', 'X-Peer', 'a'],
    } as unknown as IncomingMessage;
    const handshake = new EtpHandshake(request);
    expect(handshake.url).toBe('/ws?token=abc');
    expect(handshake.headers).toBe(headers);
    expect(handshake.socket.remoteAddress).toBe('10.0.0.7');
    expect(Object.keys(handshake).sort()).toEqual(['headers', 'socket', 'url']);
  });

  test('a request without a URL is taken as one for /', () => {
    const request = { headers: {}, socket: {} } as IncomingMessage;
    expect(new EtpHandshake(request).url).toBe('/');
  });
});
