import type { EtpRecoveryOptions } from './broker-types.js';

/**
 * A room's history is held in memory (or Redis) for every room with kept broadcasts, and a
 * returning socket may buffer up to this many live ones during its catch-up: past it, the
 * memory a misconfiguration makes us hold is no longer a choice.
 */
const MOST_MESSAGES = 100_000;

/** `recovery` of `EtpModule`, checked once at bootstrap: a wrong value fails it, with its name. */
export function checkRecoveryOptions(options: EtpRecoveryOptions): EtpRecoveryOptions {
  const { maxDisconnection, maxMessages } = options;
  for (const [name, value] of Object.entries({ maxDisconnection, maxMessages })) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`recovery.${name} must be a positive whole number, got ${String(value)}`);
    }
  }
  if (maxMessages > MOST_MESSAGES) {
    throw new Error(`recovery.maxMessages must be at most ${MOST_MESSAGES}, got ${maxMessages}`);
  }
  return { maxDisconnection, maxMessages };
}
