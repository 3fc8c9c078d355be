import { createRequire } from 'node:module';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import { currentInstruments, resolveInstruments } from '../../../src/metrics/instruments.js';
import { EtpMetricNames as Names } from '../../../src/metrics/names.js';
import { TestMeters } from '../../e2e/metrics/reader.js';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

describe('resolveInstruments', () => {
  test('finds none while no MeterProvider is registered', () => {
    expect(resolveInstruments()).toBeUndefined();
    expect(currentInstruments()).toBeUndefined();
  });

  test('makes the instruments once per provider, and again for the next one', async () => {
    const first = new TestMeters().install();
    const instruments = resolveInstruments();
    expect(instruments).toBeDefined();
    expect(resolveInstruments()).toBe(instruments);
    expect(currentInstruments()).toBe(instruments);
    await first.uninstall();
    expect(resolveInstruments()).toBeUndefined();
    const second = new TestMeters().install();
    try {
      const again = resolveInstruments();
      expect(again).toBeDefined();
      expect(again).not.toBe(instruments);
    } finally {
      await second.uninstall();
    }
  });

  describe('with a MeterProvider', () => {
    let meters: TestMeters;
    beforeEach(() => (meters = new TestMeters().install()));
    afterEach(() => meters.uninstall());

    test('every instrument is reported under its name, in the nestjs-etp scope', async () => {
      const instruments = resolveInstruments()!;
      for (const [key, tallies] of Object.entries(instruments)) {
        if (key !== 'handlerDuration') (tallies as { of(a: object): unknown }).of({});
      }
      instruments.handlerDuration.record(0.003, {});
      const collected = await meters.collect();
      expect([...collected.keys()].sort()).toEqual(Object.values(Names).sort());
      const reader = (meters as unknown as { reader: { collect(): Promise<never> } }).reader;
      const { resourceMetrics } = (await reader.collect()) as {
        resourceMetrics: { scopeMetrics: Array<{ scope: { name: string; version?: string } }> };
      };
      expect(resourceMetrics.scopeMetrics.map(({ scope }) => scope)).toEqual([
        expect.objectContaining({ name: 'nestjs-etp', version }),
      ]);
    });

    test('connections go up and down; the other counts are monotonic counters', async () => {
      const instruments = resolveInstruments()!;
      instruments.connections.of({}).value = -1;
      instruments.eventsReceived.of({}).value = 2;
      const collected = await meters.collect();
      const connections = collected.get(Names.Connections)!;
      const events = collected.get(Names.EventsReceived)!;
      expect(connections.dataPointType).toBe(DataPointType.SUM);
      expect(connections.dataPointType === DataPointType.SUM && connections.isMonotonic).toBe(
        false,
      );
      expect(events.dataPointType === DataPointType.SUM && events.isMonotonic).toBe(true);
      expect(connections.descriptor.unit).toBe('{connection}');
    });

    test('handler durations are seconds, in buckets from half a millisecond to 10 s', async () => {
      const instruments = resolveInstruments()!;
      instruments.handlerDuration.record(0.0004, {});
      instruments.handlerDuration.record(0.003, {});
      instruments.handlerDuration.record(30, {});
      const metric = (await meters.collect()).get(Names.HandlerDuration)!;
      expect(metric.descriptor.unit).toBe('s');
      if (metric.dataPointType !== DataPointType.HISTOGRAM) throw new Error('not a histogram');
      const { buckets, count } = metric.dataPoints[0].value;
      expect(count).toBe(3);
      expect(buckets.boundaries[0]).toBe(0.0005);
      expect(buckets.boundaries.at(-1)).toBe(10);
      // One below the first bound, one in (0.0025, 0.005], one above the last.
      expect(buckets.counts[0]).toBe(1);
      expect(buckets.counts[buckets.boundaries.indexOf(0.005)]).toBe(1);
      expect(buckets.counts.at(-1)).toBe(1);
    });
  });
});
