import { ETP_BROKER, ETP_CONNECTION_OBSERVER } from '../../src/etp.tokens.js';

describe('EtpModule tokens', () => {
  test('are distinct symbols, so no provider of the application can take their place by name', () => {
    expect(typeof ETP_BROKER).toBe('symbol');
    expect(typeof ETP_CONNECTION_OBSERVER).toBe('symbol');
    expect(ETP_BROKER).not.toBe(ETP_CONNECTION_OBSERVER);
    expect(ETP_BROKER).not.toBe(Symbol.for('ETP_BROKER'));
    expect(ETP_BROKER.description).toBe('ETP_BROKER');
  });
});
