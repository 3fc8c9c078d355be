import { jest } from '@jest/globals';
import type {
  EtpClientBaseOptions,
  EtpDisconnectInfo,
} from '../../../src/client/client-options.js';
import { EtpClientBase } from '../../../src/client/etp-client-base.js';
import type { ClientTransportListener } from '../../../src/client/transport.js';
import { EtpDisconnectReason } from '../../../src/protocol/close.js';
import { EtpConnectionClosedError } from '../../../src/protocol/errors.js';
import { FakeTransport } from './fake-transport.js';

/** Every client a test made, closed after it: an attempt left open keeps its timeout running. */
const made: TestClient[] = [];

/** The client proper over fake transports: the test plays the server. */
class TestClient extends EtpClientBase {
  readonly transports: FakeTransport[] = [];

  constructor(options: EtpClientBaseOptions = {}) {
    super('ws://server.test/ws', { reconnect: false, ...options });
    made.push(this);
  }

  get last(): FakeTransport {
    return this.transports[this.transports.length - 1];
  }

  ping(timeout?: number): Promise<void> {
    return this.pingServer(timeout);
  }

  protected createTransport(url: string, listener: ClientTransportListener): FakeTransport {
    const transport = new FakeTransport(url, listener);
    this.transports.push(transport);
    return transport;
  }
}

async function connected(options?: EtpClientBaseOptions): Promise<TestClient> {
  const client = new TestClient(options);
  const opening = client.connect();
  client.last.open();
  await opening;
  return client;
}

const text = (frames: Array<string | Uint8Array>): string[] =>
  frames.map((frame) => (typeof frame === 'string' ? frame : new TextDecoder().decode(frame)));

afterEach(async () => {
  for (const client of made.splice(0)) {
    const closed = client.close();
    client.last?.end(1000);
    await closed;
  }
});

describe('EtpClientBase', () => {
  test('answers a request with its handler value, and settles its own requests', async () => {
    const client = await connected();
    client.on('add', (data) => (data as number[]).reduce((a, b) => a + b, 0));
    client.last.receive('add||4||[1,2,3]');
    const answer = client.emitWithAck('ask', { q: 1 });
    client.last.receive('__ack_ask||1||"yes"');
    await expect(answer).resolves.toBe('yes');
    expect(text(client.last.sent)).toEqual(['__ack_add||4||6', 'ask||1||{"q":1}']);
  });

  test('an answer that comes after its connection ended is not sent on the next one', async () => {
    const client = await connected();
    let finish!: (value: string) => void;
    client.on('slow', () => new Promise<string>((resolve) => (finish = resolve)));
    const first = client.last;
    first.receive('slow||1');
    first.end(1006);
    const again = client.connect();
    client.last.open();
    await again;
    finish('late');
    await Promise.resolve();
    expect(first.sent).toEqual([]);
    expect(client.last.sent).toEqual([]);
  });

  test('a message over maxPayload closes with 1009 and reports message too big', async () => {
    const client = await connected({ maxPayload: 8 });
    const infos: EtpDisconnectInfo[] = [];
    client.onDisconnect((_reason, info) => infos.push(info));
    client.last.receive('big||0||0123456789');
    expect(client.last.closedWith).toEqual({ code: 1009, reason: 'message too big' });
    expect(client.connected).toBe(false);
    client.last.end(1006);
    expect(infos).toEqual([
      {
        reason: EtpDisconnectReason.MessageTooBig,
        closeCode: 1009,
        closeReason: undefined,
        error: undefined,
      },
    ]);
  });

  test('the close fields tell how the last connection ended, and cannot be written', async () => {
    const client = await connected();
    const waiting = client.emitWithAck('never');
    const reset = new Error('reset');
    client.last.end(1011, 'oops', reset);
    expect(client.closeCode).toBe(1011);
    expect(client.closeReason).toBe('oops');
    expect(client.closeError).toBe(reset);
    expect(client.disconnectReason).toBe(EtpDisconnectReason.TransportError);
    await expect(waiting).rejects.toThrow(
      new EtpConnectionClosedError('never', EtpDisconnectReason.TransportError),
    );
    const writable = client as unknown as Record<string, unknown>;
    for (const field of ['closeCode', 'closeReason', 'closeError', 'disconnectReason']) {
      expect(() => (writable[field] = 1)).toThrow(TypeError);
    }
  });

  test('a close by the server is "server closed", one of its own 1009 "message too big"', async () => {
    const client = await connected();
    client.last.end(1000);
    expect(client.disconnectReason).toBe(EtpDisconnectReason.ServerClosed);
    const again = client.connect();
    client.last.open();
    await again;
    client.last.end(1009, 'too big for me');
    expect(client.disconnectReason).toBe(EtpDisconnectReason.MessageTooBig);
  });

  test('a pong answers every ping waiting; a connection that ends leaves them to time out', async () => {
    jest.useFakeTimers();
    try {
      const client = await connected();
      const pings = [client.ping(100), client.ping(100)];
      expect(client.last.pings).toBe(2);
      client.last.listener.pong();
      await expect(Promise.all(pings)).resolves.toEqual([undefined, undefined]);
      const orphan = client.ping(100);
      client.last.end(1006);
      jest.advanceTimersByTime(100);
      await expect(orphan).rejects.toThrow('No pong within 100 ms');
    } finally {
      jest.useRealTimers();
    }
  });

  test('emits nothing when not connected: it says whether it is reconnecting', async () => {
    const client = new TestClient();
    await expect(client.emit('x')).rejects.toThrow(
      new EtpConnectionClosedError('x', 'the client is not connected'),
    );
    void client.connect().catch(() => undefined);
    await expect(client.emit('x')).rejects.toThrow(
      new EtpConnectionClosedError('x', 'the client is reconnecting'),
    );
  });

  describe('recovery', () => {
    const ID = 'abcdefabcdefabcdefabcdefabcdefab';
    const query = (client: TestClient): string | null =>
      new URL(client.last.url).searchParams.get('__etp_recovery');

    /** A client that learned a position in `chat`, then lost its connection. */
    async function dropped(): Promise<TestClient> {
      const client = await connected();
      client.last.receive(`__etp_hello||0||{"recovered":false,"id":"${ID}"}`);
      client.last.receive('__etp_pos||0||["chat","e1",3]');
      client.last.end(1006);
      return client;
    }

    test('is on by default: the handshake says 1, onConnect says recovered false', async () => {
      const client = new TestClient();
      const infos: unknown[] = [];
      let bare = 0;
      client.onConnect((info) => infos.push(info)).onConnect(() => bare++);
      const opening = client.connect();
      expect(query(client)).toBe('1');
      client.last.open();
      await opening;
      expect(infos).toEqual([{ recovered: false }]);
      expect(bare).toBe(1);
      expect(client.recovered).toBe(false);
    });

    test('a reconnect presents the position and runs onConnect at the hello', async () => {
      const client = await dropped();
      const infos: unknown[] = [];
      client.onConnect((info) => infos.push(info));
      const opening = client.connect();
      expect(query(client)).not.toBe('1');
      client.last.open();
      await opening;
      expect(infos).toEqual([]);
      client.last.receive(`__etp_hello||0||{"recovered":true,"id":"${ID.replace('a', 'c')}"}`);
      expect(infos).toEqual([{ recovered: true }]);
      expect(client.recovered).toBe(true);
    });

    test('close() forgets the positions, even those told while it was closing', async () => {
      const client = await dropped();
      const opening = client.connect();
      client.last.open();
      await opening;
      const closing = client.close();
      client.last.receive('__etp_pos||0||["news","e1",8]');
      client.last.end(1000);
      await closing;
      void client.connect().catch(() => undefined);
      expect(query(client)).toBe('1');
    });

    test('recovery: false sends no parameter and leaves __etp_ frames to the handlers', async () => {
      const client = await connected({ recovery: false });
      expect(query(client)).toBeNull();
      const got: string[] = [];
      client.onUnknownEvent((_data, event) => void got.push(event));
      client.last.receive('__etp_b||0||["chat","e1",1]\nsaid||0||hi');
      expect(got).toEqual(['__etp_b']);
    });
  });
});
