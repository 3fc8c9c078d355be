import { WebSocket } from 'ws';
import {
  createBrowserTransport,
  type EtpWebSocketConstructor,
} from '../../../src/client/browser-transport.js';
import { RecordingListener, TestServer, until } from './transport-harness.js';

// `ws` also speaks the browser's WebSocket API (binaryType, onopen, onmessage …): the transport
// runs over a real connection here, as it does over a browser's WebSocket.
const BrowserLike = WebSocket as unknown as EtpWebSocketConstructor;

describe('createBrowserTransport', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await TestServer.start();
  });

  afterEach(async () => {
    await server.close();
  });

  test('reports open, text and binary messages as bytes, and the close code and reason', async () => {
    const listener = new RecordingListener();
    const transport = createBrowserTransport(BrowserLike, server.url, listener);
    await until(() => listener.has('open'));
    const peer = await server.peer();
    peer.send('text||0||1');
    peer.send(Buffer.from('bytes||0||2'));
    await until(() => listener.events.length >= 3);
    transport.send('up||0||3');
    transport.send(new TextEncoder().encode('up||0||4'));
    await until(() => server.received.length === 2);
    expect(server.received).toEqual([
      { data: 'up||0||3', binary: false },
      { data: 'up||0||4', binary: true },
    ]);
    peer.close(4001, 'kicked');
    await until(() => listener.has('close'));
    expect(listener.events).toEqual([
      ['open'],
      ['message', 'text||0||1', true],
      ['message', 'bytes||0||2', true],
      ['close', 4001, 'kicked'],
    ]);
    expect(transport.ping).toBeUndefined();
  });

  test('a close code the WebSocket API refuses is mapped into 4000–4999; 1000 is kept', async () => {
    for (const [code, expected] of [
      [1000, 1000],
      [1009, 4009],
      [1011, 4011],
      [4500, 4500],
    ]) {
      const listener = new RecordingListener();
      const transport = createBrowserTransport(BrowserLike, server.url, listener);
      await until(() => listener.has('open'));
      const peer = await server.peer();
      const closed = new Promise<number>((resolve) => peer.once('close', (got) => resolve(got)));
      transport.close(code, 'bye');
      expect(await closed).toBe(expected);
    }
  });

  test('sending while the connection closes throws rather than losing the frame silently', async () => {
    const listener = new RecordingListener();
    const transport = createBrowserTransport(BrowserLike, server.url, listener);
    await until(() => listener.has('open'));
    transport.close(1000);
    expect(() => transport.send('late||0||1')).toThrow('The connection is closing');
  });

  test('terminate reports the end at once, as 1006, and nothing after it', async () => {
    const listener = new RecordingListener();
    const transport = createBrowserTransport(BrowserLike, server.url, listener);
    await until(() => listener.has('open'));
    transport.terminate();
    expect(listener.events.at(-1)).toEqual(['close', 1006, '']);
    const count = listener.events.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(listener.events).toHaveLength(count);
  });

  test('a refused connection reports an error, then the close', async () => {
    const listener = new RecordingListener();
    createBrowserTransport(BrowserLike, 'ws://127.0.0.1:1/ws', listener);
    await until(() => listener.has('close'));
    expect(listener.events[0]).toEqual(['error', 'WebSocket error']);
  });
});
