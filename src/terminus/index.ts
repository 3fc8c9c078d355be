export { EtpHealthIndicator, type EtpHealthDetails } from './etp-health.indicator.js';
