import { checkRecoveryOptions } from '../../../src/rooms/recovery-options.js';

describe('recovery options', () => {
  test('take positive whole numbers, and only the two bounds', () => {
    const given = { maxDisconnection: 120_000, maxMessages: 1_000, extra: 1 };
    expect(checkRecoveryOptions(given)).toEqual({ maxDisconnection: 120_000, maxMessages: 1_000 });
  });

  test('refuse anything else with the name of the option', () => {
    for (const bad of [
      0,
      -1,
      1.5,
      NaN,
      Infinity,
      '10' as unknown as number,
      undefined as unknown as number,
    ]) {
      expect(() => checkRecoveryOptions({ maxDisconnection: bad, maxMessages: 1 })).toThrow(
        /recovery\.maxDisconnection must be a positive whole number/,
      );
      expect(() => checkRecoveryOptions({ maxDisconnection: 1, maxMessages: bad })).toThrow(
        /recovery\.maxMessages/,
      );
    }
  });

  test('refuse a history longer than 100,000 broadcasts', () => {
    expect(() => checkRecoveryOptions({ maxDisconnection: 1, maxMessages: 100_001 })).toThrow(
      /recovery\.maxMessages must be at most 100000, got 100001/,
    );
  });
});
