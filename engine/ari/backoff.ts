/**
 * Reconnect delays: exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): the n-th retry waits a uniform random time in [0, min(max, min * 2^(n-1))].
 * Jitter spreads the reconnects of many engines after an Asterisk restart; the cap bounds the
 * wait once Asterisk is back.
 */

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** Uniform in [0, 1); injected for tests. */
  random?: () => number;
}

/** The ceiling of the n-th attempt's delay (attempt counts from 1). */
export function backoffCeiling(attempt: number, minMs: number, maxMs: number): number {
  const exp = Math.min(attempt - 1, 30); // 2^30 already exceeds any sane cap
  return Math.min(maxMs, minMs * 2 ** Math.max(0, exp));
}

/** The delay before the n-th reconnect attempt (from 1). */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  return Math.floor(random() * backoffCeiling(attempt, options.minMs, options.maxMs));
}
