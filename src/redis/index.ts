export { EtpRedisBroker } from './etp-redis-broker.js';
export { DEFAULT_REDIS_URL, type EtpRedisBrokerOptions } from './redis-broker-options.js';
