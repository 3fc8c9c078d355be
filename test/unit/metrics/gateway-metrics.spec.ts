import { createGatewayMetrics, type HandlerCall } from '../../../src/metrics/gateway-metrics.js';
import {
  ETP_METRICS_UNKNOWN_EVENT,
  EtpMetricAttributes as Keys,
  EtpMetricNames as Names,
} from '../../../src/metrics/names.js';
import { EtpAckTimeoutError, EtpPayloadError } from '../../../src/protocol/errors.js';
import { TestMeters } from '../../e2e/metrics/reader.js';
import { end, socketOn } from '../server/support/fake-socket.js';

const callHandler: HandlerCall = (handler, body, ack, event) => handler.callback(body, ack, event);
const path = { [Keys.GatewayPath]: '/ws' };
const subscribed = new Map([['echo', {}]]);

describe('createGatewayMetrics', () => {
  let meters: TestMeters;

  beforeEach(() => {
    meters = new TestMeters().install();
  });

  afterEach(async () => {
    await meters.uninstall();
  });

  test('with metrics: false nothing is recorded and handler calls are not wrapped', async () => {
    const gateway = createGatewayMetrics('/ws', subscribed, false);
    gateway.connectionOpened();
    gateway.eventReceived('echo');
    expect(gateway.wrapHandlerCall(callHandler)).toBe(callHandler);
    expect((await meters.collect()).size).toBe(0);
  });

  test('counts events by subscribed name; any other name counts under one label', async () => {
    const gateway = createGatewayMetrics('/ws', subscribed, undefined);
    gateway.eventReceived('echo');
    gateway.eventReceived('echo');
    gateway.eventReceived('peer-chosen-1');
    gateway.eventReceived('peer-chosen-2');
    expect(await meters.value(Names.EventsReceived, { ...path, [Keys.EventName]: 'echo' })).toBe(2);
    expect(
      await meters.value(Names.EventsReceived, {
        ...path,
        [Keys.EventName]: ETP_METRICS_UNKNOWN_EVENT,
      }),
    ).toBe(2);
    // A peer's names never become labels of their own.
    expect((await meters.points(Names.EventsReceived)).length).toBe(2);
  });

  test('the wrapped handler call times a handler until its promise settles', async () => {
    const gateway = createGatewayMetrics('/ws', subscribed, undefined);
    const run = gateway.wrapHandlerCall(callHandler);
    expect(run).not.toBe(callHandler);
    let finish: (value: unknown) => void = () => undefined;
    const pending = new Promise((resolve) => (finish = resolve));
    const handler = { callback: () => pending };
    expect(run(handler, null, undefined, 'echo')).toBe(pending);
    const attributes = { ...path, [Keys.EventName]: 'echo' };
    expect(await meters.point(Names.HandlerDuration, attributes)).toBeUndefined();
    finish('done');
    await pending;
    await Promise.resolve();
    expect((await meters.point(Names.HandlerDuration, attributes))?.value).toBe(1);
    const sync = { callback: () => 'sync' } as unknown as Parameters<HandlerCall>[0];
    expect(run(sync, null, undefined, 'echo')).toBe('sync');
    expect((await meters.point(Names.HandlerDuration, attributes))?.value).toBe(2);
  });

  test('malformed messages count by kind: frame or payload', async () => {
    const gateway = createGatewayMetrics('/ws', subscribed, undefined);
    gateway.malformed(new Error('not a frame'));
    gateway.malformed(new EtpPayloadError('echo', { cause: new Error('bad json') }));
    gateway.malformed(new EtpPayloadError('echo', { cause: 'bad' }));
    expect(await meters.value(Names.MalformedFrames, { ...path, [Keys.ErrorType]: 'frame' })).toBe(
      1,
    );
    expect(
      await meters.value(Names.MalformedFrames, { ...path, [Keys.ErrorType]: 'payload' }),
    ).toBe(2);
  });

  test('acks: answers are counted, timeouts are counted and rethrown, other errors only rethrown', async () => {
    const gateway = createGatewayMetrics('/ws', subscribed, undefined);
    gateway.ackAnswered();
    const timeout = new EtpAckTimeoutError('echo', 10);
    expect(() => gateway.ackFailed(timeout)).toThrow(timeout);
    expect(() => gateway.ackFailed(new Error('closed'))).toThrow('closed');
    expect(await meters.value(Names.AcksAnswered, path)).toBe(1);
    expect(await meters.value(Names.AcksTimedOut, path)).toBe(1);
  });

  test('a broadcast counts once, and the connections it reached', async () => {
    const gateway = createGatewayMetrics('/ws', subscribed, undefined);
    gateway.broadcast(3);
    gateway.broadcast(0);
    expect(await meters.value(Names.Broadcasts, path)).toBe(2);
    expect(await meters.value(Names.BroadcastSockets, path)).toBe(3);
  });

  test('a socket dropped as a slow consumer is counted as one, from the reason it records', async () => {
    const gateway = createGatewayMetrics('/ws', subscribed, undefined);
    const { socket, ws } = socketOn();
    ws.bufferedAmount = 5 * 1024 * 1024;
    socket.emit('big', 'x');
    end(socket, 1006);
    gateway.connectionOpened();
    gateway.connectionClosed(socket.disconnectReason);
    expect(await meters.value(Names.SlowConsumersDropped, path)).toBe(1);
  });

  test('a close with no reason counts as "closed"', async () => {
    const gateway = createGatewayMetrics('/ws', subscribed, undefined);
    gateway.connectionOpened();
    gateway.connectionClosed(undefined);
    expect(await meters.value(Names.Connections, path)).toBe(0);
    expect(
      await meters.value(Names.ConnectionsClosed, { ...path, [Keys.DisconnectReason]: 'closed' }),
    ).toBe(1);
  });
});
