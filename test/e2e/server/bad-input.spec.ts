import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import {
  ETP_UNKNOWN_EVENT,
  EtpEventName,
  EtpFrameError,
  EtpModule,
  EtpPayloadError,
  type EtpGatewayOptions,
  type EtpSocket,
} from '../../../src/index.js';
import { CapturingLogger, eventually, startApp, type TestApp } from '../../support/app.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';

interface DecodeVector {
  frame: string;
  reference: { ok: boolean };
  expected?: { ok: boolean };
}
const invalidFrames = (
  JSON.parse(
    readFileSync(new URL('../../fixtures/etp-reference-vectors.json', import.meta.url), 'utf8'),
  ) as { decode: DecodeVector[] }
).decode
  .filter((one) => !(one.expected ?? one.reference).ok)
  .map((one) => one.frame);

const reported: Array<{ error: Error; socket: EtpSocket }> = [];

@WebSocketGateway<EtpGatewayOptions>({
  path: '/ws',
  onError: (error, socket) => reported.push({ error, socket }),
})
class NoFallbackGateway {
  @SubscribeMessage('hello')
  hello() {
    return 'hello handled';
  }
}

@WebSocketGateway({ path: '/json', codec: 'json' })
class JsonGateway {
  @SubscribeMessage('hello')
  hello(@MessageBody() body: unknown) {
    return { body };
  }
}

@WebSocketGateway({ path: '/fallback' })
class FallbackGateway {
  readonly unknown: Array<{ event: string; body: unknown }> = [];

  @SubscribeMessage('hello')
  hello() {
    return 'hello handled';
  }

  @SubscribeMessage(ETP_UNKNOWN_EVENT)
  fallback(@EtpEventName() event: string, @MessageBody() body: unknown) {
    this.unknown.push({ event, body });
    return `fallback saw ${event}`;
  }
}

describe('bad input', () => {
  let app: TestApp;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    app = await startApp([EtpModule.forRoot()], [NoFallbackGateway, JsonGateway, FallbackGateway], {
      logger,
    });
  });
  afterAll(async () => {
    await app.app.close();
  });

  it.each(invalidFrames.map((frame) => [frame]))(
    'reports and drops the invalid vector %j; the connection stays open',
    async (frame) => {
      const client = await RawClient.connect(wsUrl(app.port, '/ws'));
      const before = reported.length;
      const warningsBefore = logger.at('warn').length;
      client.send(frame);
      await eventually(() => reported.length > before);
      expect(reported[before].error).toBeInstanceOf(EtpFrameError);
      expect(reported[before].error.message).toMatch(/^Malformed ETP frame: /);
      expect(logger.at('warn').length).toBeGreaterThan(warningsBefore);
      expect(logger.at('warn').at(-1)).toContain(reported[before].socket.id);
      // Still open, and still served.
      expect(await client.request('hello||2||x', '__ack_hello', 2)).toBe(
        '__ack_hello||2||hello handled',
      );
      expect(client.received).toEqual([]);
      await client.close();
    },
  );

  it('drops a frame sent as a binary message the same way, and reads a valid one', async () => {
    const client = await RawClient.connect(wsUrl(app.port, '/ws'));
    const before = reported.length;
    client.send(Buffer.from('no delimiter at all'));
    await eventually(() => reported.length > before);
    const answer = client.next('__ack_hello||3');
    client.send(Buffer.from('hello||3||bytes'));
    expect(await answer).toBe('__ack_hello||3||hello handled');
    await client.close();
  });

  it('answers an unknown event that asks for an ack with an empty ack, as the reference', async () => {
    const client = await RawClient.connect(wsUrl(app.port, '/ws'));
    const before = reported.length;
    expect(await client.request('nobody-listens||4||x', '__ack_nobody-listens', 4)).toBe(
      '__ack_nobody-listens||4',
    );
    expect(reported[before].error.message).toMatch(/Unknown ETP event "nobody-listens"/);
    client.send('nobody-listens||0||fire and forget');
    expect(await client.request('hello||5', '__ack_hello', 5)).toBe(
      '__ack_hello||5||hello handled',
    );
    expect(client.received).toEqual([]);
    await client.close();
  });

  it('sends an unknown event to the ETP_UNKNOWN_EVENT handler, with its name', async () => {
    const client = await RawClient.connect(wsUrl(app.port, '/fallback'));
    const gateway = app.app.get(FallbackGateway);
    expect(await client.request('unknown event||6||{"a":1}', '__ack_unknown event', 6)).toBe(
      '__ack_unknown event||6||fallback saw unknown event',
    );
    client.send('other||0');
    await eventually(() => gateway.unknown.length === 2);
    expect(gateway.unknown).toEqual([
      { event: 'unknown event', body: { a: 1 } },
      { event: 'other', body: undefined },
    ]);
    await client.close();
  });

  it('refuses data the strict JSON codec cannot read: exception event, null ack, connection open', async () => {
    const client = await RawClient.connect(wsUrl(app.port, '/json'));
    expect(await client.request('hello||7||not json', '__ack_hello', 7)).toBe(
      '__ack_hello||7||null',
    );
    const exception = await client.next('exception||');
    expect(JSON.parse(exception.slice('exception||0||'.length))).toMatchObject({
      status: 'error',
      cause: { pattern: 'hello' },
    });
    expect(exception).toContain('Payload of event \\"hello\\" cannot be decoded');
    // Logged, or (after this file's floods of bad frames) counted among the reports left out.
    await eventually(() =>
      logger
        .at('warn')
        .some((line) => line.includes('cannot be decoded') || line.includes('left out of the log')),
    );
    expect(await client.request('hello||8||"fine"', '__ack_hello', 8)).toBe(
      '__ack_hello||8||{"body":"fine"}',
    );
    // Every frame this gateway writes carries JSON, its own empty answers too.
    expect(await client.request('nobody||9', '__ack_nobody', 9)).toBe('__ack_nobody||9||null');
    await client.close();
  });

  it('names payload errors with their own class', () => {
    const error = new EtpPayloadError('ev', { cause: new SyntaxError('Unexpected token') });
    expect(error.message).toBe('Payload of event "ev" cannot be decoded: Unexpected token');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('drops an ack that answers nothing', async () => {
    const client = await RawClient.connect(wsUrl(app.port, '/ws'));
    client.send('__ack_question||999||late answer');
    client.send('__ack_question||abc');
    expect(await client.request('hello||9', '__ack_hello', 9)).toBe(
      '__ack_hello||9||hello handled',
    );
    await client.close();
  });
});
