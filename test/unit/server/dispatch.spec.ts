import type { WsMessageHandler } from '@nestjs/common';
import { Observable, of } from 'rxjs';
import { ackEventOf } from '../../../src/protocol/ack.js';
import { autoCodec, jsonCodec, type EtpPayloadCodec } from '../../../src/protocol/codec.js';
import { receiveMessage } from '../../../src/protocol/receive.js';
import { GatewayDispatch, type EtpAck } from '../../../src/server/dispatch.js';
import type { EtpSocket } from '../../../src/server/etp-socket.js';
import type { GatewayReports } from '../../../src/server/gateway-reports.js';
import type { HandlerRoute, HandlerRoutes } from '../../../src/server/handler-routes.js';
import { createGatewayMetrics } from '../../../src/metrics/gateway-metrics.js';

type Callback = (body: unknown, ack: EtpAck | undefined, event: string) => unknown;

/** A socket that records what dispatch writes to it. */
class FakeSocket {
  readonly sent: string[] = [];
  readonly emitted: Array<{ event: string; data: unknown }> = [];
  readonly settled: Array<{ ackId: number; data: string | null }> = [];
  handlers: WsMessageHandler[][] = [];

  constructor(readonly codec: EtpPayloadCodec = autoCodec) {}

  sendFrame(frame: string | Uint8Array): boolean {
    this.sent.push(typeof frame === 'string' ? frame : Buffer.from(frame).toString('utf8'));
    return true;
  }

  emit(event: string, data?: unknown): boolean {
    this.codec.encode(data);
    this.emitted.push({ event, data });
    return true;
  }

  settleAck(ackId: number, data: Uint8Array | null): boolean {
    this.settled.push({ ackId, data: data === null ? null : Buffer.from(data).toString('utf8') });
    return true;
  }
}

/** A gateway server with the given handlers, which records what dispatch reports. */
class FakeHost {
  readonly routes = new Map<string, HandlerRoute>();
  readonly metrics = createGatewayMetrics(undefined, this.routes, false);
  unknownRoute: HandlerRoute | undefined;
  readonly malformed: string[] = [];
  readonly unknown: string[] = [];
  readonly failures: Array<{ error: unknown; event: string }> = [];
  private readonly list: WsMessageHandler[] = [];
  readonly dispatch: GatewayDispatch;

  constructor() {
    const byEvent = this.routes;
    const unknown = (): HandlerRoute | undefined => this.unknownRoute;
    const routes = {
      byEvent,
      get unknown() {
        return unknown();
      },
    } as unknown as HandlerRoutes;
    const reports = {
      malformed: (error: Error) => this.malformed.push(error.message),
      unknownEvent: (event: string) => this.unknown.push(event),
      handlerFailure: (error: unknown, _socket: EtpSocket, event: string) =>
        this.failures.push({ error, event }),
    } as unknown as GatewayReports;
    this.dispatch = new GatewayDispatch(routes, this.metrics, reports);
  }

  on(event: string, callback: Callback, manualAck = false): this {
    const route = { slot: 0, index: this.list.length, ackEvent: ackEventOf(event), manualAck };
    this.list.push({
      message: event,
      callback,
      isAckHandledManually: manualAck,
    } as WsMessageHandler);
    if (event === '*') this.unknownRoute = route;
    else this.routes.set(event, route);
    return this;
  }

  socket(codec?: EtpPayloadCodec): FakeSocket {
    const socket = new FakeSocket(codec);
    socket.handlers = [this.list];
    return socket;
  }
}

function dispatch(host: FakeHost, socket: FakeSocket, frame: string): void {
  receiveMessage(host.dispatch, socket as unknown as EtpSocket, Buffer.from(frame, 'utf8'));
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GatewayDispatch in the receive loop', () => {
  test('answers a request with the handler value under the route ack event', () => {
    const host = new FakeHost().on('echo', (body) => ({ got: body }));
    const socket = host.socket();
    dispatch(host, socket, 'echo||7||{"a":1}');
    expect(socket.sent).toEqual(['__ack_echo||7||{"got":{"a":1}}']);
  });

  test('sends nothing for an event without an ack id, and passes the event name', () => {
    const seen: unknown[] = [];
    const host = new FakeHost().on('fire', (body, ack, event) => seen.push(body, ack, event));
    const socket = host.socket();
    dispatch(host, socket, 'fire||0||hello');
    expect(seen).toEqual(['hello', undefined, 'fire']);
    expect(socket.sent).toEqual([]);
  });

  test('settles an ack frame on the socket instead of calling a handler', () => {
    const host = new FakeHost().on('__ack_x', () => 'never');
    const socket = host.socket();
    dispatch(host, socket, '__ack_x||3||"yes"');
    expect(socket.settled).toEqual([{ ackId: 3, data: '"yes"' }]);
    expect(socket.sent).toEqual([]);
  });

  test('reports a malformed frame and writes nothing', () => {
    const host = new FakeHost();
    const socket = host.socket();
    dispatch(host, socket, 'no delimiter');
    expect(host.malformed).toHaveLength(1);
    expect(host.malformed[0]).toMatch(/^Malformed ETP frame/);
    expect(socket.sent).toEqual([]);
  });

  test('reports an unknown event and still answers a request empty', () => {
    const host = new FakeHost();
    const socket = host.socket(jsonCodec);
    dispatch(host, socket, 'nobody||5||{}');
    dispatch(host, socket, 'nobody||0||{}');
    expect(host.unknown).toEqual(['nobody', 'nobody']);
    expect(socket.sent).toEqual(['__ack_nobody||5||null']);
  });

  test('hands an unknown event to the fallback route, answered under its own ack event', () => {
    const host = new FakeHost().on('*', (_body, _ack, event) => `fallback for ${event}`);
    const socket = host.socket();
    dispatch(host, socket, 'other||2');
    expect(socket.sent).toEqual(['__ack_other||2||fallback for other']);
    expect(host.unknown).toEqual([]);
  });

  test('an undecodable payload is reported, raised as an exception event and answered empty', () => {
    const called: unknown[] = [];
    const host = new FakeHost().on('strict', (body) => called.push(body));
    const socket = host.socket(jsonCodec);
    dispatch(host, socket, 'strict||4||not json');
    expect(called).toEqual([]);
    expect(host.malformed[0]).toMatch(/^Payload of event "strict" cannot be decoded/);
    expect(socket.emitted).toEqual([
      {
        event: 'exception',
        data: { status: 'error', message: host.malformed[0], cause: { pattern: 'strict' } },
      },
    ]);
    expect(socket.sent).toEqual(['__ack_strict||4||null']);
  });

  test('a socket with no bound handlers answers a request empty', () => {
    const host = new FakeHost().on('echo', (body) => body);
    const socket = host.socket();
    socket.handlers = [];
    dispatch(host, socket, 'echo||1||x');
    expect(socket.sent).toEqual(['__ack_echo||1']);
  });

  test('a throwing handler is reported and its request answered empty', () => {
    const boom = new Error('boom');
    const host = new FakeHost().on('bad', () => {
      throw boom;
    });
    const socket = host.socket();
    dispatch(host, socket, 'bad||9');
    expect(host.failures).toEqual([{ error: boom, event: 'bad' }]);
    expect(socket.sent).toEqual(['__ack_bad||9']);
  });

  test('a promise is answered once it resolves, or empty once it rejects', async () => {
    const boom = new Error('later');
    const host = new FakeHost()
      .on('slow', async (body) => `done ${String(body)}`)
      .on('fails', async () => {
        throw boom;
      });
    const socket = host.socket();
    dispatch(host, socket, 'slow||1||a');
    dispatch(host, socket, 'fails||2');
    expect(socket.sent).toEqual([]);
    await settle();
    expect(socket.sent).toEqual(['__ack_slow||1||done a', '__ack_fails||2']);
    expect(host.failures).toEqual([{ error: boom, event: 'fails' }]);
  });

  test('an { event, data } result is emitted and the request answered empty', () => {
    const host = new FakeHost().on('ask', () => ({ event: 'told', data: 1 }));
    const socket = host.socket();
    dispatch(host, socket, 'ask||3');
    dispatch(host, socket, 'ask||0');
    expect(socket.emitted).toEqual([
      { event: 'told', data: 1 },
      { event: 'told', data: 1 },
    ]);
    expect(socket.sent).toEqual(['__ack_ask||3']);
  });

  test('an Observable emits its { event, data } values and answers with its first other value', () => {
    const host = new FakeHost().on('stream', () =>
      of({ event: 'tick', data: 1 }, 'answer', 'ignored', { event: 'tick', data: 2 }),
    );
    const socket = host.socket();
    dispatch(host, socket, 'stream||6');
    expect(socket.emitted).toEqual([
      { event: 'tick', data: 1 },
      { event: 'tick', data: 2 },
    ]);
    expect(socket.sent).toEqual(['__ack_stream||6||answer']);
  });

  test('an Observable that fails or ends without a value still answers, once', () => {
    const boom = new Error('stream failed');
    const host = new FakeHost()
      .on('empty', () => new Observable((subscriber) => subscriber.complete()))
      .on('broken', () => new Observable((subscriber) => subscriber.error(boom)));
    const socket = host.socket();
    dispatch(host, socket, 'empty||1');
    dispatch(host, socket, 'broken||2');
    expect(socket.sent).toEqual(['__ack_empty||1', '__ack_broken||2']);
    expect(host.failures).toEqual([{ error: boom, event: 'broken' }]);
  });

  test('a manual ack answers once: a second call is ignored', () => {
    const host = new FakeHost().on(
      'manual',
      (body, ack) => {
        ack!(`first ${String(body)}`);
        ack!('second');
      },
      true,
    );
    const socket = host.socket();
    dispatch(host, socket, 'manual||8||x');
    expect(socket.sent).toEqual(['__ack_manual||8||first x']);
  });

  test('a manual ack of the catch-all handler answers under the event that came', () => {
    const host = new FakeHost().on('*', (_body, ack, event) => ack!(`caught ${event}`), true);
    const socket = host.socket();
    dispatch(host, socket, 'stray||5||x');
    expect(socket.sent).toEqual(['__ack_stray||5||caught stray']);
  });

  test('a manual ack handler that rejects is reported and answered empty, unless it answered', async () => {
    const boom = new Error('manual failed');
    const host = new FakeHost()
      .on('m1', async () => Promise.reject(boom), true)
      .on(
        'm2',
        async (_body, ack) => {
          ack!('ok');
          throw boom;
        },
        true,
      );
    const socket = host.socket();
    dispatch(host, socket, 'm1||1');
    dispatch(host, socket, 'm2||2');
    await settle();
    expect(socket.sent).toEqual(['__ack_m2||2||ok', '__ack_m1||1']);
    expect(host.failures.map((one) => one.event)).toEqual(['m2', 'm1']);
  });

  test('a value the codec cannot encode is reported and answered empty', () => {
    const host = new FakeHost().on('big', () => 10n);
    const socket = host.socket(jsonCodec);
    dispatch(host, socket, 'big||1');
    expect(socket.sent).toEqual(['__ack_big||1||null']);
    expect(host.failures).toHaveLength(1);
    expect(host.failures[0].event).toBe('big');
  });
});
