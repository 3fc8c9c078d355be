import type { EtpSocket } from '../../../src/server/etp-socket.js';
import { EtpWebSocket } from '../../../src/server/etp-websocket.js';

/** A socket and its server, recording what reaches them. */
function fakeSocket() {
  const seen: unknown[][] = [];
  const socket = {
    handlePong: () => seen.push(['pong']),
    handleError: (error: Error) => seen.push(['error', error.message]),
    server: {
      maxEventsPerSecond: 0,
      heartbeatPong: (_socket: unknown, data: Buffer) => seen.push(['heartbeat', data.toString()]),
      connectionEnded: (_socket: unknown, code: number, reason: Buffer) =>
        seen.push(['ended', code, reason.toString()]),
    },
  } as unknown as EtpSocket;
  return { seen, socket };
}

describe('EtpWebSocket', () => {
  test('hands pongs, errors and the close to its socket, with no listener', () => {
    // A server-side WebSocket (no address), as ws's server makes it.
    const ws = new EtpWebSocket(null as unknown as string, undefined, {});
    const { seen, socket } = fakeSocket();
    ws.attach(socket);
    expect(ws.emit('pong', Buffer.from('t1'))).toBe(true);
    expect(ws.emit('error', new Error('reset'))).toBe(true);
    expect(ws.emit('close', 1006, Buffer.alloc(0))).toBe(true);
    expect(seen).toEqual([['pong'], ['heartbeat', 't1'], ['error', 'reset'], ['ended', 1006, '']]);
    expect(ws.listenerCount('close')).toBe(0);
  });

  test('drops a message while not open; other events go to listeners as usual', () => {
    const ws = new EtpWebSocket(null as unknown as string, undefined, {});
    const { seen, socket } = fakeSocket();
    ws.attach(socket);
    expect(ws.emit('message', Buffer.from('hi||0'))).toBe(true);
    expect(seen).toEqual([]);
    const pings: string[] = [];
    ws.on('ping', (data: Buffer) => pings.push(data.toString()));
    expect(ws.emit('ping', Buffer.from('p'))).toBe(true);
    expect(pings).toEqual(['p']);
  });
});
