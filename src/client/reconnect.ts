/** How a client comes back after losing its connection. */
export interface EtpReconnectOptions {
  /** Delay before the first new attempt, in ms. Default 500. */
  initialDelay?: number;
  /** Ceiling of the delay, in ms. Default 10 000. */
  maxDelay?: number;
  /** Growth of the delay from one failed attempt to the next. Default 2. */
  factor?: number;
  /** Share of the delay drawn at random (0 to 1), so that clients do not come back in step. Default 0.5. */
  jitter?: number;
  /** Attempts in a row before giving up. Default: no limit. */
  maxAttempts?: number;
}

/** Reconnection settings with every default filled in. */
export type ReconnectPolicy = Readonly<Required<EtpReconnectOptions>>;

export const DEFAULT_RECONNECT: ReconnectPolicy = Object.freeze({
  initialDelay: 500,
  maxDelay: 10_000,
  factor: 2,
  jitter: 0.5,
  maxAttempts: Infinity,
});

export function resolveReconnect(
  option: boolean | EtpReconnectOptions | undefined,
): ReconnectPolicy | undefined {
  if (option === false) return undefined;
  if (option === undefined || option === true) return DEFAULT_RECONNECT;
  const resolved = { ...DEFAULT_RECONNECT, ...withoutUndefined(option) };
  if (!(resolved.initialDelay >= 0) || !(resolved.maxDelay >= resolved.initialDelay)) {
    throw new RangeError('reconnect: need 0 <= initialDelay <= maxDelay');
  }
  if (!(resolved.factor >= 1) || !(resolved.jitter >= 0 && resolved.jitter <= 1)) {
    throw new RangeError('reconnect: need factor >= 1 and 0 <= jitter <= 1');
  }
  return resolved;
}

/**
 * The wait before attempt number `attempt` (0 for the first after a drop): exponential, capped
 * at `maxDelay`, then shortened by a random share of at most `jitter`.
 */
export function reconnectDelay(
  options: ReconnectPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(options.maxDelay, options.initialDelay * options.factor ** attempt);
  return Math.round(base * (1 - options.jitter * random()));
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}
