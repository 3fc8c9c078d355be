import {
  DEFAULT_RECONNECT,
  reconnectDelay,
  resolveReconnect,
} from '../../../src/client/reconnect.js';

describe('resolveReconnect', () => {
  test('on by default: undefined and true give the defaults, false gives none', () => {
    expect(resolveReconnect(undefined)).toBe(DEFAULT_RECONNECT);
    expect(resolveReconnect(true)).toBe(DEFAULT_RECONNECT);
    expect(resolveReconnect(false)).toBeUndefined();
    expect(DEFAULT_RECONNECT).toEqual({
      initialDelay: 500,
      maxDelay: 10_000,
      factor: 2,
      jitter: 0.5,
      maxAttempts: Infinity,
    });
    expect(Object.isFrozen(DEFAULT_RECONNECT)).toBe(true);
  });

  test('fills what an option leaves out, an undefined value included', () => {
    expect(resolveReconnect({ maxAttempts: 3, jitter: undefined })).toEqual({
      ...DEFAULT_RECONNECT,
      maxAttempts: 3,
    });
  });

  test('refuses delays out of order, a shrinking factor, a jitter outside 0..1 and NaN', () => {
    expect(() => resolveReconnect({ initialDelay: -1 })).toThrow(RangeError);
    expect(() => resolveReconnect({ initialDelay: 20_000 })).toThrow(/initialDelay <= maxDelay/);
    expect(() => resolveReconnect({ initialDelay: Number.NaN })).toThrow(RangeError);
    expect(() => resolveReconnect({ factor: 0.5 })).toThrow(/factor >= 1/);
    expect(() => resolveReconnect({ jitter: 1.5 })).toThrow(/jitter/);
    expect(() => resolveReconnect({ jitter: -0.1 })).toThrow(/jitter/);
  });

  test('refuses NaN and infinite values where a number is needed', () => {
    expect(() => resolveReconnect({ factor: Number.NaN })).toThrow(/factor >= 1/);
    expect(() => resolveReconnect({ jitter: Number.NaN })).toThrow(/jitter/);
    expect(() => resolveReconnect({ maxDelay: Number.NaN })).toThrow(/initialDelay <= maxDelay/);
    expect(() => resolveReconnect({ initialDelay: Infinity })).toThrow(RangeError);
  });

  test('takes a copy: changing the option afterwards changes nothing', () => {
    const option = { initialDelay: 100, maxDelay: 1_000 };
    const resolved = resolveReconnect(option);
    option.initialDelay = 5_000;
    expect(resolved).toEqual({ ...DEFAULT_RECONNECT, initialDelay: 100, maxDelay: 1_000 });
    expect(DEFAULT_RECONNECT.initialDelay).toBe(500);
  });
});

describe('reconnectDelay', () => {
  const noJitter = { ...DEFAULT_RECONNECT, jitter: 0 };

  test('grows by the factor from attempt to attempt, up to maxDelay', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6].map((attempt) => reconnectDelay(noJitter, attempt));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  test('jitter takes off at most its share, drawn at random', () => {
    expect(reconnectDelay(DEFAULT_RECONNECT, 0, () => 0)).toBe(500);
    expect(reconnectDelay(DEFAULT_RECONNECT, 0, () => 1)).toBe(250);
    expect(reconnectDelay(DEFAULT_RECONNECT, 1, () => 0.5)).toBe(750);
  });

  test('a full jitter may bring the wait down to nothing, and waits are whole milliseconds', () => {
    const full = { ...DEFAULT_RECONNECT, jitter: 1 };
    expect(reconnectDelay(full, 0, () => 1)).toBe(0);
    expect(reconnectDelay({ ...noJitter, initialDelay: 3, factor: 1.5 }, 1)).toBe(5);
  });

  test('a very late attempt stays at maxDelay rather than overflowing', () => {
    expect(reconnectDelay(noJitter, 10_000)).toBe(10_000);
  });
});
