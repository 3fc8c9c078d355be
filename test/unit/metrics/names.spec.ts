import { EtpClose } from '../../../src/protocol/close.js';
import {
  ETP_METRICS_ANY_PATH,
  ETP_METRICS_UNKNOWN_EVENT,
  EtpMetricAttributes,
  EtpMetricNames,
  SLOW_CONSUMER_REASON,
} from '../../../src/metrics/names.js';

describe('the names of the metrics', () => {
  test('are unique, and follow the OpenTelemetry style: lowercase, dot-separated, etp.*', () => {
    const names = Object.values(EtpMetricNames);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^etp\.(server|broker)(\.[a-z_]+)+$/);
  });

  test('stay apart once Prometheus turns their dots into underscores', () => {
    const scraped = Object.values(EtpMetricNames).map((name) => name.replaceAll('.', '_'));
    expect(new Set(scraped).size).toBe(scraped.length);
  });

  test('the attribute keys are unique and use the semantic conventions where one exists', () => {
    const keys = Object.values(EtpMetricAttributes);
    expect(new Set(keys).size).toBe(keys.length);
    expect(EtpMetricAttributes.ErrorType).toBe('error.type');
    expect(EtpMetricAttributes.MessagingSystem).toBe('messaging.system');
  });

  test('the catch-all values cannot be mistaken for a real event or path', () => {
    // A real path starts with "/"; "unknown" is one value for every unsubscribed event.
    expect(ETP_METRICS_ANY_PATH.startsWith('/')).toBe(false);
    expect(ETP_METRICS_UNKNOWN_EVENT).toBe('unknown');
  });

  test('the slow consumer reason is the close reason a slow connection gets', () => {
    expect(SLOW_CONSUMER_REASON).toBe(EtpClose.SlowConsumer.reason);
    expect(SLOW_CONSUMER_REASON.length).toBeGreaterThan(0);
  });
});
