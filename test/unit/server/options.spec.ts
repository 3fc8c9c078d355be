import { checkShutdownCloseCode, GATEWAY_OPTION_KEYS } from '../../../src/server/options.js';

describe('GATEWAY_OPTION_KEYS', () => {
  test('holds every ETP option and those Nest reads, metrics included', () => {
    for (const key of [
      'metrics',
      'maxEventsPerSecond',
      'shutdownCloseCode',
      'authorize',
      'namespace',
      'server',
    ]) {
      expect([key, GATEWAY_OPTION_KEYS.has(key)]).toEqual([key, true]);
    }
    expect(GATEWAY_OPTION_KEYS.has('verifyClient')).toBe(false);
  });
});

describe('checkShutdownCloseCode', () => {
  test('takes 1000 and 1001 only', () => {
    expect([1000, 1001].map(checkShutdownCloseCode)).toEqual([1000, 1001]);
    for (const wrong of [1002, 4000, NaN]) {
      expect(() => checkShutdownCloseCode(wrong)).toThrow('shutdownCloseCode must be 1000 or 1001');
    }
  });
});
