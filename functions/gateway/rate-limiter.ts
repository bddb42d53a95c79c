/**
 * Per-key token buckets: a key holds up to `burst` tokens and regains `requestsPerSecond` of them each second;
 * every JSON-RPC call takes one (a batch takes one per call). A batch larger than the burst is let through only
 * on a full bucket and leaves it in debt, so the long-run rate still holds and such a batch is not refused forever.
 *
 * State is in memory, per gateway instance: with several instances the effective limit is per instance, which
 * is the usual trade for not paying a database write per request.
 */

export interface RateLimit {
  readonly requestsPerSecond: number;
  readonly burst: number;
}

export type RateDecision =
  | { readonly allowed: true; readonly remaining: number }
  | { readonly allowed: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** How long a refusal asks to wait when the plan allows no requests at all. */
const NO_RATE_RETRY_SECONDS = 60;

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /**
   * @param nowMs current time in milliseconds (a fake clock in tests).
   * @param maxKeys buckets kept; the least recently used is dropped beyond it, which only forgives that key.
   */
  constructor(
    private readonly nowMs: () => number,
    private readonly maxKeys = 100_000,
  ) {}

  take(key: string, limit: RateLimit, cost = 1): RateDecision {
    const rate = limit.requestsPerSecond;
    const capacity = Math.max(1, limit.burst);
    if (!(rate > 0)) return { allowed: false, retryAfterSeconds: NO_RATE_RETRY_SECONDS };

    const now = this.nowMs();
    const bucket = this.buckets.get(key) ?? { tokens: capacity, updatedAt: now };
    const elapsedSeconds = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(capacity, bucket.tokens + elapsedSeconds * rate);
    bucket.updatedAt = now;
    this.touch(key, bucket);

    const needed = Math.min(cost, capacity);
    if (bucket.tokens >= needed) {
      bucket.tokens -= cost;
      return { allowed: true, remaining: Math.max(0, Math.floor(bucket.tokens)) };
    }
    return { allowed: false, retryAfterSeconds: (needed - bucket.tokens) / rate };
  }

  private touch(key: string, bucket: Bucket): void {
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }
}
