import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import {
  DisconnectReason,
  EtpAckTimeoutError,
  EtpClient,
  EtpConnectError,
  EtpConnectionClosedError,
  EtpFrameError,
  EtpHandlerError,
  EtpUnknownEventError,
  isNormalClose,
  type EtpDisconnectInfo,
} from '../../../src/index.js';
import { eventually, RawServer } from '../../support/raw-server.js';

Logger.overrideLogger(false);

let server: RawServer;
let client: EtpClient;

beforeEach(async () => {
  server = await RawServer.start();
});

afterEach(async () => {
  await client.close();
  await server.close();
});

async function connected(options: ConstructorParameters<typeof EtpClient>[0] = {}) {
  client = new EtpClient({ url: server.url, ...options });
  await client.connect();
  return server.connection();
}

describe('frames the client writes', () => {
  test('emit writes the Go frame as a text message, the data part only when there is data', async () => {
    await connected();
    await client.emit('hello', 'fire and forget');
    expect(await server.next()).toMatchObject({ text: 'hello||0||fire and forget', binary: false });
    await client.emit('unknown event');
    expect((await server.next()).text).toBe('unknown event||0');
    await client.emit('obj', { a: 1 });
    expect((await server.next()).text).toBe('obj||0||{"a":1}');
  });

  test('emitWithAck counts ack ids 1, 2, … and resolves with the decoded answer', async () => {
    const ws = await connected();
    const first = client.emitWithAck('hello', 'wait acknowledgment');
    expect((await server.next()).text).toBe('hello||1||wait acknowledgment');
    ws.send('__ack_hello||1||hello handled');
    await expect(first).resolves.toBe('hello handled');

    const second = client.emitWithAck('hello');
    expect((await server.next()).text).toBe('hello||2');
    ws.send('__ack_hello||2');
    await expect(second).resolves.toBeUndefined();
  });

  test('the binary codec sends bytes as a binary message', async () => {
    await connected({ codec: 'binary' });
    await client.emit('blob', Buffer.from([0x61, 0x7c, 0x62]));
    expect(await server.next()).toMatchObject({ text: 'blob||0||a|b', binary: true });
  });

  test('the json codec writes a JSON data part, as the old JS client reads it', async () => {
    await connected({ codec: 'json' });
    await client.emit('text', 'hi');
    expect((await server.next()).text).toBe('text||0||"hi"');
    await client.emit('nothing');
    expect((await server.next()).text).toBe('nothing||0||null');
  });
});

describe('events the server sends', () => {
  test('a handler returning nothing answers with exactly __ack_<event>||<id>', async () => {
    const ws = await connected();
    const received: unknown[] = [];
    client.on('news', (data) => {
      received.push(data);
    });
    ws.send('news||7||x');
    expect((await server.next()).text).toBe('__ack_news||7');
    expect(received).toEqual(['x']);
  });

  test("a handler's value, sync or async, is the answer; no ack asked, none sent", async () => {
    const ws = await connected();
    client.on('sync', () => 'hello handled');
    client.on('async', async (data: { n: number }) => ({ doubled: data.n * 2 }));
    ws.send('sync||0||ignored');
    ws.send('async||8||{"n":21}');
    ws.send('sync||9');
    // Answers go out as handlers finish, in any order: the sync one is first here.
    expect((await server.next('__ack_sync')).text).toBe('__ack_sync||9||hello handled');
    expect((await server.next('__ack_async')).text).toBe('__ack_async||8||{"doubled":42}');
    expect(server.frames).toEqual([]);
  });

  test('an unknown event gets an empty ack without a fallback, the fallback answers otherwise', async () => {
    const ws = await connected();
    const errors: Error[] = [];
    client.onError((error) => errors.push(error));
    ws.send('nobody||3||data');
    expect((await server.next()).text).toBe('__ack_nobody||3');
    expect(errors[0]).toBeInstanceOf(EtpUnknownEventError);

    client.onUnknownEvent((data, event) => `${event} got ${String(data)}`);
    ws.send('nobody||4||data');
    expect((await server.next()).text).toBe('__ack_nobody||4||nobody got data');
  });

  test('a failing handler is reported and still answers a waiting server', async () => {
    const ws = await connected();
    const errors: Error[] = [];
    client.onError((error) => errors.push(error));
    client.on('throws', () => {
      throw new Error('boom');
    });
    client.on('rejects', async () => {
      throw new Error('async boom');
    });
    ws.send('throws||1||x');
    expect((await server.next()).text).toBe('__ack_throws||1');
    ws.send('rejects||2||x');
    expect((await server.next()).text).toBe('__ack_rejects||2');
    expect(errors.map((error) => error.message)).toEqual([
      'Handler of ETP event "throws" failed: boom',
      'Handler of ETP event "rejects" failed: async boom',
    ]);
    expect(errors[0]).toBeInstanceOf(EtpHandlerError);
  });

  test('off removes a handler', async () => {
    const ws = await connected();
    client.on('news', () => 'yes').off('news');
    ws.send('news||5');
    expect((await server.next()).text).toBe('__ack_news||5');
  });

  test('a malformed frame is reported and dropped; the connection stays open', async () => {
    const ws = await connected();
    const errors: Error[] = [];
    client.onError((error) => errors.push(error));
    client.on('ok', () => 'fine');
    ws.send('no delimiter');
    ws.send('ok||x1||data');
    ws.send('ok||1');
    expect((await server.next()).text).toBe('__ack_ok||1||fine');
    expect(errors).toHaveLength(2);
    expect(errors.every((error) => error instanceof EtpFrameError)).toBe(true);
    expect(client.connected).toBe(true);
  });

  test('a message above the read limit closes the connection with 1009', async () => {
    const ws = await connected({ maxPayload: 1024, reconnect: false });
    const serverSaw = new Promise<number>((resolve) => ws.once('close', resolve));
    const disconnected = new Promise<[string, EtpDisconnectInfo]>((resolve) =>
      client.onDisconnect((reason, info) => resolve([reason, info])),
    );
    ws.send(`big||0||${'x'.repeat(2048)}`);
    const [reason, info] = await disconnected;
    expect(reason).toBe(DisconnectReason.MessageTooBig);
    expect(info.closeCode).toBe(1009);
    expect(client.closeCode).toBe(1009);
    expect(isNormalClose(client)).toBe(false);
    expect(await serverSaw).toBe(1009);
  });

  test('the default read limit is 1 MiB', async () => {
    const ws = await connected({ reconnect: false });
    let length = 0;
    client.on('big', (data: string) => {
      length = data.length;
      return 'ok';
    });
    const head = 'big||1||';
    ws.send(head + 'x'.repeat(1024 * 1024 - head.length));
    expect((await server.next()).text).toBe('__ack_big||1||ok');
    expect(length).toBe(1024 * 1024 - head.length);
    const disconnected = new Promise<string>((resolve) => client.onDisconnect(resolve));
    ws.send(head + 'x'.repeat(1024 * 1024));
    expect(await disconnected).toBe(DisconnectReason.MessageTooBig);
  });
});

describe('acknowledgements', () => {
  test('300 concurrent emitWithAck are matched by id, answered in shuffled order', async () => {
    const ws = await connected();
    const count = 300;
    const answers = Array.from({ length: count }, (_, i) => client.emitWithAck('sum', { i }));
    const frames: string[] = [];
    for (let i = 0; i < count; i++) frames.push((await server.next()).text);
    const requests = frames.map((text) => {
      const [event, id, data] = text.split('||');
      expect(event).toBe('sum');
      return { id: Number(id), i: (JSON.parse(data) as { i: number }).i };
    });
    expect(new Set(requests.map((request) => request.id)).size).toBe(count);
    // A fixed permutation, far from the sending order.
    const shuffled = requests
      .map((request, at) => ({ request, key: (at * 7919) % count }))
      .sort((a, b) => a.key - b.key)
      .map((entry) => entry.request);
    for (const { id, i } of shuffled) ws.send(`__ack_sum||${id}||answer ${i}`);
    const results = await Promise.all(answers);
    expect(results).toEqual(Array.from({ length: count }, (_, i) => `answer ${i}`));
  });

  test('an answer that matches no request is dropped', async () => {
    const ws = await connected();
    ws.send('__ack_nothing||42||late');
    const answer = client.emitWithAck('real');
    const frame = await server.next();
    ws.send(`__ack_real||${frame.text.split('||')[1]}||yes`);
    await expect(answer).resolves.toBe('yes');
  });

  test('a timeout rejects; a late answer is then ignored', async () => {
    const ws = await connected();
    await expect(client.emitWithAck('slow', undefined, { timeout: 50 })).rejects.toBeInstanceOf(
      EtpAckTimeoutError,
    );
    const frame = await server.next();
    ws.send(`__ack_slow||${frame.text.split('||')[1]}||late`);
    client.on('after', () => 'still fine');
    ws.send('after||1');
    expect((await server.next()).text).toBe('__ack_after||1||still fine');
  });

  test('aborting the signal rejects with its reason', async () => {
    await connected();
    const controller = new AbortController();
    const answer = client.emitWithAck('slow', 'x', { signal: controller.signal });
    await server.next('slow||1');
    controller.abort(new Error('not needed any more'));
    await expect(answer).rejects.toThrow('not needed any more');

    const aborted = AbortSignal.abort(new Error('already'));
    await expect(client.emitWithAck('never', 'x', { signal: aborted })).rejects.toThrow('already');
  });

  test('requests pending when the connection drops are rejected at once', async () => {
    const ws = await connected({ reconnect: false, ackTimeout: 60_000 });
    const pending = [client.emitWithAck('a'), client.emitWithAck('b')];
    await server.next('a||');
    await server.next('b||');
    ws.terminate();
    for (const answer of pending) {
      const error = await answer.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EtpConnectionClosedError);
      expect((error as Error).message).toMatch(/transport error/);
    }
  });
});

describe('connection', () => {
  test('handshake headers and query parameters (a token) reach the server', async () => {
    await connected({
      query: { token: 'secret token', n: 1 },
      headers: { authorization: 'Bearer t' },
    });
    const request = server.requests[0];
    expect(request.url).toBe('/ws?token=secret+token&n=1&__etp_recovery=1');
    expect(request.headers.authorization).toBe('Bearer t');
  });

  test('emit and emitWithAck reject with a clear error while disconnected', async () => {
    client = new EtpClient({ url: server.url });
    await expect(client.emit('hello', 'x')).rejects.toThrow(
      'Event "hello" failed: the client is not connected',
    );
    await expect(client.emitWithAck('hello', 'x')).rejects.toBeInstanceOf(EtpConnectionClosedError);
    await client.connect();
    await client.close();
    await expect(client.emit('hello')).rejects.toBeInstanceOf(EtpConnectionClosedError);
    expect(server.frames).toEqual([]);
  });

  test('connect rejects with a clear error when nothing listens', async () => {
    const port = server.port;
    await server.close();
    client = new EtpClient({ query: { token: 'not in messages' } });
    const error = (await client
      .connect(`ws://127.0.0.1:${port}/ws`)
      .catch((caught: unknown) => caught)) as EtpConnectError;
    expect(error).toBeInstanceOf(EtpConnectError);
    expect(error.message).toMatch(`Cannot connect to ws://127.0.0.1:${port}/ws: `);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).not.toMatch(/token/);
    expect(client.connected).toBe(false);
  });

  test('connect without any URL rejects', async () => {
    client = new EtpClient();
    await expect(client.connect()).rejects.toThrow('No URL to connect to');
  });

  test('a close by the server is reported with its status; a normal one passes isNormalClose', async () => {
    const ws = await connected({ reconnect: false });
    const connects: number[] = [];
    const disconnected = new Promise<[string, EtpDisconnectInfo]>((resolve) =>
      client.onDisconnect((reason, info) => resolve([reason, info])),
    );
    client.onConnect(() => connects.push(1));
    ws.close(1000, 'bye');
    const [reason, info] = await disconnected;
    expect(reason).toBe(DisconnectReason.ServerClosed);
    expect(info).toMatchObject({ closeCode: 1000, closeReason: 'bye' });
    expect(isNormalClose(info)).toBe(true);
    expect(isNormalClose(client)).toBe(true);
    expect(client.connected).toBe(false);
  });

  test('close() reports a client close and does not reconnect', async () => {
    const ws = await connected();
    const serverSaw = new Promise<number>((resolve) => ws.once('close', resolve));
    const reasons: string[] = [];
    client.onDisconnect((reason) => reasons.push(reason));
    await client.close();
    expect(await serverSaw).toBe(1000);
    expect(reasons).toEqual([DisconnectReason.ClientClosed]);
    expect(client.closeCode).toBe(1000);
    await expect(server.connection(300)).rejects.toThrow('no connection');
  });

  test('while closing, emit rejects and connect waits for the close, then connects anew', async () => {
    await connected();
    const closing = client.close();
    expect(client.connected).toBe(false);
    await expect(client.emit('late')).rejects.toBeInstanceOf(EtpConnectionClosedError);
    const again = client.connect();
    await closing;
    await again;
    expect(client.connected).toBe(true);
    await server.connection();
    await client.emit('after');
    expect((await server.next()).text).toBe('after||0');
    expect(server.frames).toEqual([]);
  });

  test('ping resolves on the pong', async () => {
    await connected();
    await expect(client.ping()).resolves.toBeUndefined();
  });

  test('connect is idempotent while connecting and once open', async () => {
    client = new EtpClient({ url: server.url });
    const [a, b] = [client.connect(), client.connect()];
    await Promise.all([a, b]);
    await client.connect();
    await server.connection();
    await expect(server.connection(300)).rejects.toThrow('no connection');
    await eventually(() => server.sockets.length === 1);
  });
});
