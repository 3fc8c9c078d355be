import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import * as wsModule from 'ws';
import WebSocket, { WebSocketServer } from 'ws';
import { prepareFrame } from '../../../src/server/websocket-frame.js';

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}

/** `ws`'s own framing (`Sender.frame`, exported by ws but not in its type declarations). */
const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] };
};

/** The unmasked, final frame `ws` itself writes as a server. */
function wsFrame(data: Buffer, binary: boolean): Buffer {
  const options = {
    fin: true,
    opcode: binary ? 0x2 : 0x1,
    mask: false,
    readOnly: false,
    rsv1: false,
  };
  return Buffer.concat(Sender.frame(data, options));
}

/** Text of `length` bytes, with multi-byte characters when the length allows. */
function textOf(length: number): string {
  const two = 'é'.repeat(Math.floor(length / 4));
  return two + 'a'.repeat(length - Buffer.byteLength(two));
}

const LENGTHS = [0, 1, 125, 126, 127, 65_535, 65_536, 65_537, 200_000];

describe('prepareFrame', () => {
  test.each(LENGTHS)(
    'a text message of %i bytes is framed byte for byte as ws frames it',
    (length) => {
      const text = textOf(length);
      expect(Buffer.byteLength(text)).toBe(length);
      const prepared = prepareFrame(text);
      expect(prepared.options).toEqual({ binary: false });
      expect(Buffer.from(prepared.bytes).toString('utf8')).toBe(text);
      expect(prepared.wire.equals(wsFrame(Buffer.from(text, 'utf8'), false))).toBe(true);
    },
  );

  test.each(LENGTHS)(
    'a binary message of %i bytes is framed byte for byte as ws frames it',
    (length) => {
      const bytes = Buffer.alloc(length, 0xab);
      const prepared = prepareFrame(new Uint8Array(bytes));
      expect(prepared.options).toEqual({ binary: true });
      expect(prepared.wire.equals(wsFrame(bytes, true))).toBe(true);
    },
  );

  test('uses the 2, 4 and 10 byte headers at the RFC 6455 boundaries', () => {
    expect(prepareFrame('a'.repeat(125)).wire.length).toBe(2 + 125);
    expect(prepareFrame('a'.repeat(126)).wire.length).toBe(4 + 126);
    expect(prepareFrame('a'.repeat(65_535)).wire.length).toBe(4 + 65_535);
    expect(prepareFrame('a'.repeat(65_536)).wire.length).toBe(10 + 65_536);
  });
});

describe('a prepared frame written to the stream', () => {
  let http: Server;
  let wss: WebSocketServer;
  let streams: Duplex[];
  let url: string;

  beforeEach(async () => {
    streams = [];
    wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    http = createServer();
    http.on('upgrade', (request, stream: Duplex, head) =>
      wss.handleUpgrade(request, stream, head, () => streams.push(stream)),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/`;
  });

  afterEach(async () => {
    for (const stream of streams) stream.destroy();
    await new Promise((resolve) => wss.close(resolve));
    await new Promise((resolve) => http.close(resolve));
  });

  async function receive(
    frames: Array<string | Uint8Array>,
  ): Promise<Array<{ data: Buffer; binary: boolean }>> {
    const client = new WebSocket(url, { perMessageDeflate: false });
    const received: Array<{ data: Buffer; binary: boolean }> = [];
    const all = new Promise<void>((resolve) =>
      client.on('message', (data: Buffer, binary: boolean) => {
        received.push({ data, binary });
        if (received.length === frames.length) resolve();
      }),
    );
    await new Promise((resolve) => client.once('open', resolve));
    while (streams.length === 0) await new Promise((resolve) => setImmediate(resolve));
    for (const frame of frames) streams[0].write(prepareFrame(frame).wire);
    await all;
    client.terminate();
    return received;
  }

  test('reaches a real ws client intact, text as text and bytes as binary, at every size', async () => {
    const texts = LENGTHS.map(textOf);
    const binaries = LENGTHS.map((length) => new Uint8Array(length).fill(length % 251));
    const received = await receive([...texts, ...binaries]);
    expect(received.map((one) => one.binary)).toEqual([
      ...texts.map(() => false),
      ...binaries.map(() => true),
    ]);
    expect(received.slice(0, texts.length).map((one) => one.data.toString('utf8'))).toEqual(texts);
    received.slice(texts.length).forEach((one, at) => {
      expect(one.data.equals(Buffer.from(binaries[at]))).toBe(true);
    });
  });
});
