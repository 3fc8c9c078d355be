import { createWsTransport } from '../../../src/client/ws-transport.js';
import { RecordingListener, TestServer, until } from './transport-harness.js';

describe('createWsTransport', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await TestServer.start();
  });

  afterEach(async () => {
    await server.close();
  });

  test('sends text as text and bytes as binary, and reports messages, pongs and the close', async () => {
    const listener = new RecordingListener();
    const transport = createWsTransport(server.url, { maxPayload: 1024 }, listener);
    await until(() => listener.has('open'));
    transport.send('text||0||1');
    transport.send(Buffer.from('bytes||0||2'));
    transport.ping!();
    const peer = await server.peer();
    peer.send('down||0||3');
    await until(() => server.received.length === 2 && listener.has('pong'));
    expect(server.received).toEqual([
      { data: 'text||0||1', binary: false },
      { data: 'bytes||0||2', binary: true },
    ]);
    transport.close(1000, 'done');
    await until(() => listener.has('close'));
    // The pong and the message race each other: only the first and last places are fixed.
    expect(listener.events[0]).toEqual(['open']);
    expect(listener.events.slice(1, 3)).toEqual(
      expect.arrayContaining([['pong'], ['message', 'down||0||3', true]]),
    );
    expect(listener.events.slice(3)).toEqual([['close', 1000, 'done']]);
  });

  test('sends the handshake headers it was given', async () => {
    let seen: string | undefined;
    server.wss.once(
      'headers',
      (_headers, request) => (seen = request.headers['x-token'] as string),
    );
    const listener = new RecordingListener();
    const transport = createWsTransport(
      server.url,
      { maxPayload: 1024, headers: { 'x-token': 'abc' } },
      listener,
    );
    await until(() => listener.has('open'));
    expect(seen).toBe('abc');
    transport.terminate();
  });

  test('a message over maxPayload is reported as 1009, not the local 1006', async () => {
    const listener = new RecordingListener();
    createWsTransport(server.url, { maxPayload: 16 }, listener);
    await until(() => listener.has('open'));
    (await server.peer()).send('x'.repeat(100));
    await until(() => listener.has('close'));
    expect(listener.events.filter(([kind]) => kind === 'close')).toEqual([['close', 1009, '']]);
  });

  test('sending while closing throws; terminate ends at once', async () => {
    const listener = new RecordingListener();
    const transport = createWsTransport(server.url, { maxPayload: 1024 }, listener);
    await until(() => listener.has('open'));
    transport.close(1000);
    expect(() => transport.send('late||0||1')).toThrow('The connection is closing');
    const other = new RecordingListener();
    const second = createWsTransport(server.url, { maxPayload: 1024 }, other);
    await until(() => other.has('open'));
    second.terminate();
    await until(() => other.has('close'));
    expect(other.events.at(-1)).toEqual(['close', 1006, '']);
  });

  test('reports the close status and reason the server sends, and an empty reason as ""', async () => {
    const first = new RecordingListener();
    createWsTransport(server.url, { maxPayload: 1024 }, first);
    await until(() => first.has('open'));
    (await server.peer()).close(4000, 'bye');
    await until(() => first.has('close'));
    expect(first.events.at(-1)).toEqual(['close', 4000, 'bye']);
    const second = new RecordingListener();
    createWsTransport(server.url, { maxPayload: 1024 }, second);
    await until(() => second.has('open'));
    server.peers[1].close(4001);
    await until(() => second.has('close'));
    expect(second.events.at(-1)).toEqual(['close', 4001, '']);
  });

  test('offers no permessage-deflate: a peer cannot make it inflate a small message into a big one', async () => {
    let extensions: string | undefined = 'not seen';
    server.wss.once(
      'headers',
      (_headers, request) => (extensions = request.headers['sec-websocket-extensions']),
    );
    const listener = new RecordingListener();
    const transport = createWsTransport(server.url, { maxPayload: 1024 }, listener);
    await until(() => listener.has('open'));
    expect(extensions).toBeUndefined();
    transport.terminate();
  });

  test('a refused connection reports its error and then a 1006 close, never an open', async () => {
    const gone = await TestServer.start();
    const url = gone.url;
    await gone.close();
    const listener = new RecordingListener();
    const transport = createWsTransport(url, { maxPayload: 1024 }, listener);
    await until(() => listener.has('close'));
    expect(listener.has('open')).toBe(false);
    expect(listener.events.map(([kind]) => kind)).toEqual(['error', 'close']);
    expect(listener.events.at(-1)).toEqual(['close', 1006, '']);
    expect(() => transport.send('x||0')).toThrow('The connection is closing');
  });
});
