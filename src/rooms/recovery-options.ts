import type { EtpRecoveryOptions } from './etp-broker.js';

/** The options, once both are positive whole numbers; a clear error otherwise. */
export function checkRecoveryOptions(options: EtpRecoveryOptions): EtpRecoveryOptions {
  const { maxDisconnection, maxMessages } = options;
  for (const [name, value] of Object.entries({ maxDisconnection, maxMessages })) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`recovery.${name} must be a positive whole number, got ${String(value)}`);
    }
  }
  return { maxDisconnection, maxMessages };
}
