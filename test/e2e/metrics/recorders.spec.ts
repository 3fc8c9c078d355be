import { EtpMetricAttributes as Keys, EtpMetricNames as Names } from '../../../src/index.js';
import { createBrokerMetrics } from '../../../src/metrics/broker-metrics.js';
import { createGatewayMetrics, type HandlerCall } from '../../../src/metrics/gateway-metrics.js';
import { SLOW_CONSUMER_REASON } from '../../../src/metrics/names.js';
import { TestMeters } from './reader.js';

const callHandler: HandlerCall = (handler, body, ack, event) => handler.callback(body, ack, event);

describe('metrics recorded outside the paths a test app drives', () => {
  let meters: TestMeters;

  beforeEach(() => {
    meters = new TestMeters().install();
  });

  afterEach(async () => {
    await meters.uninstall();
  });

  test('a connection dropped as a slow consumer counts as a close and as a slow consumer', async () => {
    const gateway = createGatewayMetrics('/ws', new Map(), undefined);
    const path = { [Keys.GatewayPath]: '/ws' };
    gateway.connectionOpened();
    gateway.connectionOpened();
    gateway.connectionClosed(SLOW_CONSUMER_REASON);
    gateway.connectionClosed('client closed');

    expect(await meters.value(Names.Connections, path)).toBe(0);
    expect(
      await meters.value(Names.ConnectionsClosed, {
        ...path,
        [Keys.DisconnectReason]: 'slow consumer',
      }),
    ).toBe(1);
    expect(await meters.value(Names.SlowConsumersDropped, path)).toBe(1);
  });

  test('a gateway without a path is labelled "*"', async () => {
    createGatewayMetrics(undefined, new Map(), undefined).connectionOpened();
    expect(await meters.value(Names.ConnectionsOpened, { [Keys.GatewayPath]: '*' })).toBe(1);
  });

  test('a broker counts messages published and received, by messaging system', async () => {
    const broker = createBrokerMetrics('redis');
    broker.published();
    broker.published();
    broker.received(3);

    const redis = { [Keys.MessagingSystem]: 'redis' };
    expect(await meters.value(Names.BrokerMessagesPublished, redis)).toBe(2);
    expect(await meters.value(Names.BrokerMessagesReceived, redis)).toBe(3);
  });

  test('with no MeterProvider, the recorders record nothing and still run handlers', async () => {
    await meters.uninstall();
    const gateway = createGatewayMetrics('/ws', new Map([['echo', {}]]), undefined);
    const broker = createBrokerMetrics('redis');
    meters = new TestMeters().install();

    gateway.connectionOpened();
    gateway.eventReceived('echo');
    broker.published();
    const handler = { callback: async (body: unknown) => `got ${String(body)}` };
    // Off, the gateway's own way of calling a handler is kept as it is: nothing wraps it.
    expect(gateway.wrapHandlerCall(callHandler)).toBe(callHandler);
    expect(await callHandler(handler, 'hi', undefined, 'echo')).toBe('got hi');
    expect((await meters.collect()).size).toBe(0);
  });

  test('the handler timer hands back the handler promise, and times a rejected one', async () => {
    const gateway = createGatewayMetrics('/ws', new Map([['fail', {}]]), undefined);
    const failure = Promise.reject(new Error('boom'));
    const handler = { callback: () => failure };
    const runHandler = gateway.wrapHandlerCall(callHandler);
    expect(runHandler(handler, null, undefined, 'fail')).toBe(failure);
    await expect(failure).rejects.toThrow('boom');
    await Promise.resolve();
    const point = await meters.point(Names.HandlerDuration, {
      [Keys.GatewayPath]: '/ws',
      [Keys.EventName]: 'fail',
    });
    expect(point?.value).toBe(1);
    // A handler that throws at once is timed, and the error reaches the caller.
    const throwing = {
      callback: () => {
        throw new Error('at once');
      },
    };
    expect(() => runHandler(throwing, null, undefined, 'fail')).toThrow('at once');
    expect(
      (
        await meters.point(Names.HandlerDuration, {
          [Keys.GatewayPath]: '/ws',
          [Keys.EventName]: 'fail',
        })
      )?.value,
    ).toBe(2);
  });
});
