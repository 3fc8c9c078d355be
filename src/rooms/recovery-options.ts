import type { EtpRecoveryOptions } from './etp-broker.js';

/** `recovery` of `EtpModule`, checked once at bootstrap: a wrong value fails it, with its name. */
export function checkRecovery(options: EtpRecoveryOptions): EtpRecoveryOptions {
  const { maxDisconnection, maxMessages } = options;
  if (!Number.isSafeInteger(maxDisconnection) || maxDisconnection < 1_000) {
    throw new Error(
      `recovery.maxDisconnection must be a whole number of ms, at least 1000, got ${String(maxDisconnection)}`,
    );
  }
  if (!Number.isSafeInteger(maxMessages) || maxMessages < 1 || maxMessages > 100_000) {
    throw new Error(
      `recovery.maxMessages must be a whole number from 1 to 100000, got ${String(maxMessages)}`,
    );
  }
  return { maxDisconnection, maxMessages };
}
