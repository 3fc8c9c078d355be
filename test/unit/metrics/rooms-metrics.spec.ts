import { resolveInstruments } from '../../../src/metrics/instruments.js';
import { EtpMetricNames as Names } from '../../../src/metrics/names.js';
import { recordRoomsBroadcast } from '../../../src/metrics/rooms-metrics.js';
import { TestMeters } from '../../e2e/metrics/reader.js';

describe('recordRoomsBroadcast', () => {
  test('records nothing before a gateway found a MeterProvider', async () => {
    const meters = new TestMeters().install();
    try {
      recordRoomsBroadcast(3);
      expect(await meters.points(Names.Broadcasts)).toEqual([]);
    } finally {
      await meters.uninstall();
    }
  });

  test('counts each broadcast and the connections it reached, with no gateway path', async () => {
    const meters = new TestMeters().install();
    try {
      resolveInstruments();
      recordRoomsBroadcast(3);
      recordRoomsBroadcast(0);
      expect(await meters.points(Names.Broadcasts)).toEqual([{ attributes: {}, value: 2 }]);
      expect(await meters.points(Names.BroadcastSockets)).toEqual([{ attributes: {}, value: 3 }]);
    } finally {
      await meters.uninstall();
    }
  });

  test('counts into the instruments of the provider registered now, not an older one', async () => {
    const old = new TestMeters().install();
    resolveInstruments();
    recordRoomsBroadcast(1);
    await old.uninstall();
    const meters = new TestMeters().install();
    try {
      resolveInstruments();
      recordRoomsBroadcast(5);
      expect(await meters.points(Names.BroadcastSockets)).toEqual([{ attributes: {}, value: 5 }]);
    } finally {
      await meters.uninstall();
    }
  });
});
