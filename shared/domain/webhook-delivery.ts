/**
 * When a webhook delivery that failed is tried again (docs/architecture.md, "Event streams"): exponential backoff
 * with jitter, for up to three days from the first attempt, then the delivery is dead-lettered. Pure, so the
 * delivery worker decides the same on any clock it is given (tests move time forward instead of waiting).
 */

export const DELIVERY_RETRY = {
  /** Wait after the first failed attempt, before jitter. */
  firstDelayMs: 10_000,
  factor: 2,
  /** No wait is longer than this, before jitter. */
  maxDelayMs: 3_600_000,
  /** After this long since the first attempt, no further attempt is made: the delivery is dead-lettered. */
  giveUpAfterMs: 3 * 86_400_000,
} as const;

/** A delivery attempt waits at most this long for the receiver's answer. */
export const DELIVERY_TIMEOUT_MS = 10_000;

export const DELIVERY_STATUSES = ['delivered', 'retrying', 'dead', 'failed'] as const;
/**
 * `delivered`: a 2xx answer; `retrying`: failed, another attempt is scheduled; `dead`: failed for three days, no
 * more attempts (send it again by hand); `failed`: a test event that failed (test events are not retried).
 */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * How long to wait after the `attempts`-th failed attempt: `firstDelayMs × factor^(attempts-1)`, capped, then
 * "equal jitter" (half of it fixed, half random) so receivers coming back are not hit by every sender at once and a
 * wait never shrinks to nothing. `random` is in [0, 1).
 */
export function retryDelayMs(attempts: number, random: number): number {
  const exponent = Math.max(0, attempts - 1);
  const base = Math.min(DELIVERY_RETRY.maxDelayMs, DELIVERY_RETRY.firstDelayMs * DELIVERY_RETRY.factor ** exponent);
  return Math.round(base / 2 + (base / 2) * Math.min(Math.max(random, 0), 1));
}

export type RetryDecision = { readonly retryAt: Date } | { readonly deadLetter: true };

/** After a failed attempt: when to try again, or dead-letter when the next try would fall past three days. */
export function afterFailure(firstAttemptAt: Date, now: Date, attempts: number, random: number): RetryDecision {
  const retryAt = now.getTime() + retryDelayMs(attempts, random);
  if (retryAt - firstAttemptAt.getTime() > DELIVERY_RETRY.giveUpAfterMs) return { deadLetter: true };
  return { retryAt: new Date(retryAt) };
}
