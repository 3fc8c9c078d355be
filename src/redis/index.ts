export {
  DEFAULT_REDIS_URL,
  EtpRedisBroker,
  type EtpRedisBrokerOptions,
} from './etp-redis-broker.js';
