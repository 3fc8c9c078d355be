import {
  DEFAULT_CLIENT_MAX_PAYLOAD,
  DEFAULT_CONNECT_TIMEOUT,
} from '../../../src/client/client-options.js';

describe('client option defaults', () => {
  test('a client takes messages up to 1 MiB and waits 10 s for a connection', () => {
    expect(DEFAULT_CLIENT_MAX_PAYLOAD).toBe(1_048_576);
    expect(DEFAULT_CONNECT_TIMEOUT).toBe(10_000);
  });
});
