export * from './ack.js';
export * from './codec.js';
export * from './errors.js';
export * from './frame.js';
export * from './pending-acks.js';
export { utf8Decode, utf8Encode } from './utf8.js';
export * from './close.js';
