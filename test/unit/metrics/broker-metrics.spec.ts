import { createBrokerMetrics } from '../../../src/metrics/broker-metrics.js';
import { EtpMetricNames as Names } from '../../../src/metrics/names.js';
import { TestMeters } from '../../e2e/metrics/reader.js';

const REDIS = { 'messaging.system': 'redis' };

describe('createBrokerMetrics', () => {
  test('records nothing, and costs nothing, without a MeterProvider', async () => {
    const metrics = createBrokerMetrics('redis');
    metrics.published();
    metrics.dropped('shape');
    const meters = new TestMeters().install();
    try {
      // Made before the provider: it stays silent, as the broker makes new ones at init.
      metrics.lost(5);
      expect(await meters.points(Names.BrokerBroadcastsLost)).toEqual([]);
    } finally {
      await meters.uninstall();
    }
  });

  describe('with a MeterProvider', () => {
    let meters: TestMeters;
    beforeEach(() => (meters = new TestMeters().install()));
    afterEach(() => meters.uninstall());

    test('counts published, received and lost, by messaging.system', async () => {
      const metrics = createBrokerMetrics('redis');
      metrics.published();
      metrics.published(3);
      metrics.received();
      metrics.lost();
      metrics.lost(4);
      expect(await meters.value(Names.BrokerMessagesPublished, REDIS)).toBe(4);
      expect(await meters.value(Names.BrokerMessagesReceived, REDIS)).toBe(1);
      expect(await meters.value(Names.BrokerBroadcastsLost, REDIS)).toBe(5);
    });

    test('counts dropped messages by reason, each reason a series of its own', async () => {
      const metrics = createBrokerMetrics('redis');
      metrics.dropped('shape');
      metrics.dropped('shape');
      metrics.dropped('bad_signature');
      expect(await meters.points(Names.BrokerMessagesDropped)).toEqual(
        expect.arrayContaining([
          { attributes: { ...REDIS, 'error.type': 'shape' }, value: 2 },
          { attributes: { ...REDIS, 'error.type': 'bad_signature' }, value: 1 },
        ]),
      );
      expect(await meters.points(Names.BrokerMessagesDropped)).toHaveLength(2);
    });

    test('brokers of one system add up; of another, stay apart', async () => {
      createBrokerMetrics('redis').published(2);
      createBrokerMetrics('redis').published(3);
      createBrokerMetrics('nats').published(7);
      expect(await meters.value(Names.BrokerMessagesPublished, REDIS)).toBe(5);
      expect(
        await meters.value(Names.BrokerMessagesPublished, { 'messaging.system': 'nats' }),
      ).toBe(7);
    });
  });
});
