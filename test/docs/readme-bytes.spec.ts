import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { MessageBody, SubscribeMessage, WebSocketGateway, WsException } from '@nestjs/websockets';
import WebSocket from 'ws';
import { EtpModule, type EtpCodecName } from '../../src/index.js';
import { startApp } from '../support/app.js';
import { RawClient, wsUrl } from '../support/raw-client.js';

// The frames docs/wire.md's codec tables and its exception section promise, taken off the wire.

function gatewayWith(codec: EtpCodecName) {
  @WebSocketGateway({ path: `/${codec}`, codec })
  class CodecGateway {
    @SubscribeMessage('text')
    text() {
      return 'hello handled';
    }

    @SubscribeMessage('object')
    object() {
      return { ok: true };
    }

    @SubscribeMessage('nothing')
    nothing() {
      return undefined;
    }

    /** Says what the handler received, so the decoding side shows too. */
    @SubscribeMessage('echo')
    echo(@MessageBody() body: unknown) {
      const type = Buffer.isBuffer(body) ? 'Buffer' : typeof body;
      return { type, body: Buffer.isBuffer(body) ? body.toString('utf8') : body };
    }

    @SubscribeMessage('boom')
    boom() {
      throw new WsException('not allowed');
    }
  }
  return CodecGateway;
}

const ANSWERS: Record<EtpCodecName, string[]> = {
  auto: [
    '__ack_text||1||hello handled',
    '__ack_object||2||{"ok":true}',
    '__ack_nothing||3',
    '__ack_echo||4||{"type":"object","body":{"a":1}}',
    '__ack_echo||5||{"type":"string","body":"fire and forget"}',
    '__ack_echo||6||{"type":"number","body":42}',
    '__ack_echo||7||{"type":"undefined"}',
  ],
  json: [
    '__ack_text||1||"hello handled"',
    '__ack_object||2||{"ok":true}',
    '__ack_nothing||3||null',
    '__ack_echo||4||{"type":"object","body":{"a":1}}',
    '__ack_echo||5||null', // not JSON: refused with an `exception` event, answered with null
    '__ack_echo||6||{"type":"number","body":42}',
    '__ack_echo||7||{"type":"undefined"}',
  ],
  text: [
    '__ack_text||1||hello handled',
    '__ack_object||2||{"ok":true}',
    '__ack_nothing||3',
    '__ack_echo||4||{"type":"string","body":"{\\"a\\":1}"}',
    '__ack_echo||5||{"type":"string","body":"fire and forget"}',
    '__ack_echo||6||{"type":"string","body":"42"}',
    '__ack_echo||7||{"type":"string","body":""}',
  ],
  binary: [
    '__ack_text||1||hello handled',
    '__ack_object||2||{"ok":true}',
    '__ack_nothing||3',
    '__ack_echo||4||{"type":"Buffer","body":"{\\"a\\":1}"}',
    '__ack_echo||5||{"type":"Buffer","body":"fire and forget"}',
    '__ack_echo||6||{"type":"Buffer","body":"42"}',
    '__ack_echo||7||{"type":"Buffer","body":""}',
  ],
};

const REQUESTS = [
  'text||1',
  'object||2',
  'nothing||3',
  'echo||4||{"a":1}',
  'echo||5||fire and forget',
  'echo||6||42',
  'echo||7',
];

describe('the bytes docs/wire.md documents', () => {
  let app: INestApplication;
  let port: number;

  beforeAll(async () => {
    const codecs: EtpCodecName[] = ['auto', 'json', 'text', 'binary'];
    ({ app, port } = await startApp([EtpModule.forRoot()], codecs.map(gatewayWith)));
  });
  afterAll(() => app.close());

  test.each(Object.keys(ANSWERS) as EtpCodecName[])('the %s codec', async (codec) => {
    const client = await RawClient.connect(wsUrl(port, `/${codec}`));
    const answers: string[] = [];
    for (const [index, request] of REQUESTS.entries()) {
      const [event] = request.split('||');
      answers.push(await client.request(request, `__ack_${event}`, index + 1));
    }
    expect(answers).toEqual(ANSWERS[codec]);
    await client.close();
  });

  test('the binary codec writes text as a binary message, the others as a text message', async () => {
    const kinds: Record<string, boolean> = {};
    for (const codec of ['auto', 'binary']) {
      const ws = new WebSocket(wsUrl(port, `/${codec}`));
      await new Promise((resolve) => ws.once('open', resolve));
      const [data, isBinary] = await new Promise<[Buffer, boolean]>((resolve) => {
        ws.once('message', (message: Buffer, binary: boolean) => resolve([message, binary]));
        ws.send('text||1');
      });
      expect(data.toString('utf8')).toBe('__ack_text||1||hello handled');
      kinds[codec] = isBinary;
      ws.close();
    }
    expect(kinds).toEqual({ auto: false, binary: true });
  });

  test('a WsException while the client waits: an exception event, then an empty ack', async () => {
    const ws = new WebSocket(wsUrl(port, '/auto'));
    await new Promise((resolve) => ws.once('open', resolve));
    const frames: string[] = [];
    await new Promise<void>((resolve) => {
      ws.on('message', (message: Buffer) => {
        frames.push(message.toString('utf8'));
        if (frames.length === 2) resolve();
      });
      ws.send('boom||1||{"x":1}');
    });
    expect(frames).toEqual([
      'exception||0||{"status":"error","message":"not allowed","cause":{"pattern":"boom","data":{"x":1}}}',
      '__ack_boom||1',
    ]);
    ws.close();
  });
});
