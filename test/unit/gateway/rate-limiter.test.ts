import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from '../../../functions/gateway/rate-limiter.ts';

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const plan = { requestsPerSecond: 10, burst: 5 };

describe('token bucket rate limiter', () => {
  it('lets a burst through, then refuses with the wait until the next token', () => {
    const clock = fakeClock();
    const limiter = new TokenBucketLimiter(clock.now);
    for (let i = 0; i < 5; i++) expect(limiter.take('key', plan).allowed).toBe(true);
    const refused = limiter.take('key', plan);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 0.1 });
  });

  it('refills at the plan rate, never above the burst', () => {
    const clock = fakeClock();
    const limiter = new TokenBucketLimiter(clock.now);
    for (let i = 0; i < 5; i++) limiter.take('key', plan);
    clock.advance(250);
    expect(limiter.take('key', plan)).toEqual({ allowed: true, remaining: 1 });
    expect(limiter.take('key', plan).allowed).toBe(true);
    expect(limiter.take('key', plan).allowed).toBe(false);
    clock.advance(60_000);
    expect(limiter.take('key', plan)).toEqual({ allowed: true, remaining: 4 });
  });

  it('counts a batch as its number of calls', () => {
    const clock = fakeClock();
    const limiter = new TokenBucketLimiter(clock.now);
    expect(limiter.take('key', plan, 4)).toEqual({ allowed: true, remaining: 1 });
    const refused = limiter.take('key', plan, 3);
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.retryAfterSeconds).toBeCloseTo(0.2);
  });

  it('lets a batch larger than the burst through on a full bucket, leaving a debt', () => {
    const clock = fakeClock();
    const limiter = new TokenBucketLimiter(clock.now);
    expect(limiter.take('key', plan, 25).allowed).toBe(true);
    clock.advance(1000);
    // 5 − 25 + 10 = −10 tokens: one more call needs 11 tokens, 1.1 s of refill.
    const refused = limiter.take('key', plan);
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.retryAfterSeconds).toBeCloseTo(1.1);
  });

  it('keeps one bucket per key', () => {
    const clock = fakeClock();
    const limiter = new TokenBucketLimiter(clock.now);
    for (let i = 0; i < 5; i++) limiter.take('a', plan);
    expect(limiter.take('a', plan).allowed).toBe(false);
    expect(limiter.take('b', plan).allowed).toBe(true);
  });

  it('refuses everything when the plan allows no rate', () => {
    const limiter = new TokenBucketLimiter(fakeClock().now);
    expect(limiter.take('key', { requestsPerSecond: 0, burst: 10 })).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('forgets the least recently used key beyond its capacity, which only forgives it', () => {
    const clock = fakeClock();
    const limiter = new TokenBucketLimiter(clock.now, 2);
    for (let i = 0; i < 5; i++) limiter.take('a', plan);
    limiter.take('b', plan);
    limiter.take('c', plan);
    expect(limiter.take('a', plan)).toEqual({ allowed: true, remaining: 4 });
  });
});
