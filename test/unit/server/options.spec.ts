import {
  checkMaxEventsPerSecond,
  checkShutdownCloseCode,
  GATEWAY_OPTION_KEYS,
  resolveGatewayOptions,
} from '../../../src/server/options.js';

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

describe('checkMaxEventsPerSecond', () => {
  test('0 and Infinity mean no limit; a negative number or NaN is refused', () => {
    expect([0, Infinity, 250].map(checkMaxEventsPerSecond)).toEqual([0, 0, 250]);
    for (const wrong of [-1, NaN]) {
      expect(() => checkMaxEventsPerSecond(wrong)).toThrow('maxEventsPerSecond must be');
    }
  });
});

describe('resolveGatewayOptions', () => {
  test('fills in every default, and the result cannot be changed', () => {
    const settings = resolveGatewayOptions({});
    expect(settings).toMatchObject({
      maxPayload: 1024 * 1024,
      heartbeat: { interval: 25_000, timeout: 20_000 },
      maxBufferedBytes: 4 * 1024 * 1024,
      pauseReadingAt: 1024 * 1024,
      authorizeTimeout: 10_000,
      shutdownTimeout: 5_000,
      shutdownCloseCode: 1000,
      maxEventsPerSecond: 20_000,
      ackTimeout: 30_000,
    });
    expect(Object.isFrozen(settings)).toBe(true);
    expect(Object.isFrozen(settings.heartbeat)).toBe(true);
  });

  test('keeps what was given, and no heartbeat when it is off', () => {
    const settings = resolveGatewayOptions({
      maxBufferedBytes: 4000,
      maxEventsPerSecond: Infinity,
      heartbeat: false,
      shutdownCloseCode: 1001,
    });
    expect(settings).toMatchObject({
      maxBufferedBytes: 4000,
      pauseReadingAt: 1000,
      maxEventsPerSecond: 0,
      heartbeat: false,
      shutdownCloseCode: 1001,
    });
  });

  test('checks authorizeTimeout only when there is an authorizer to wait on', () => {
    expect(resolveGatewayOptions({ authorizeTimeout: 0 }).authorizeTimeout).toBe(0);
    expect(() => resolveGatewayOptions({ authorize: () => true, authorizeTimeout: 0 })).toThrow(
      'authorizeTimeout must be a positive number of ms, got 0',
    );
  });
});
