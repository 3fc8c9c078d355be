import { DEFAULT_REDIS_URL } from '../../../src/redis/redis-broker-options.js';

describe('EtpRedisBroker options', () => {
  test('without a url or a client, the broker connects to the local Redis on its usual port', () => {
    expect(new URL(DEFAULT_REDIS_URL)).toMatchObject({
      protocol: 'redis:',
      hostname: '127.0.0.1',
      port: '6379',
    });
  });
});
