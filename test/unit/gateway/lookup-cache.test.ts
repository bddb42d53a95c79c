import { describe, expect, it } from 'vitest';
import { cachedLookup } from '../../../functions/gateway/lookup-cache.ts';

/** A look-up that counts its calls, answering from `answers` (undefined for an unknown key). */
function countingLoad(answers: Record<string, string | undefined>) {
  const calls: string[] = [];
  const load = async (argument: string) => {
    calls.push(argument);
    if (argument === 'broken') throw new Error('database unavailable');
    return answers[argument];
  };
  return { load, calls };
}

describe('gateway look-ups', () => {
  it('answer a repeated look-up from memory until the time to live has passed on the gateway clock', async () => {
    let now = 1_000;
    const { load, calls } = countingLoad({ key: 'principal' });
    const lookup = cachedLookup(load, { ttlMs: 5_000, nowMs: () => now });
    expect(await lookup('key')).toBe('principal');
    now += 4_999;
    expect(await lookup('key')).toBe('principal');
    expect(calls).toEqual(['key']);
    now += 2;
    expect(await lookup('key')).toBe('principal');
    expect(calls).toEqual(['key', 'key']);
  });

  it('peek at a fresh remembered answer without a promise, and at nothing before a look-up or after expiry', async () => {
    let now = 1_000;
    const { load, calls } = countingLoad({ key: 'principal' });
    const lookup = cachedLookup(load, { ttlMs: 5_000, nowMs: () => now });
    expect(lookup.peek('key')).toBeUndefined();
    expect(await lookup('key')).toBe('principal');
    expect(lookup.peek('key')).toEqual({ value: 'principal' });
    expect(await lookup('unknown')).toBeUndefined();
    expect(lookup.peek('unknown')).toEqual({ value: undefined });
    now += 5_001;
    expect(lookup.peek('key')).toBeUndefined();
    expect(calls).toEqual(['key', 'unknown']);
    expect(cachedLookup(load, { ttlMs: 0, nowMs: () => now }).peek('key')).toBeUndefined();
  });

  it('remember misses, so a flood of wrong keys reads the database once', async () => {
    const { load, calls } = countingLoad({});
    const lookup = cachedLookup(load, { ttlMs: 5_000, nowMs: () => 0 });
    expect(await lookup('wrong')).toBeUndefined();
    expect(await lookup('wrong')).toBeUndefined();
    expect(calls).toEqual(['wrong']);
  });

  it('merge concurrent look-ups of the same key into one load', async () => {
    const { load, calls } = countingLoad({ key: 'principal' });
    const lookup = cachedLookup(load, { ttlMs: 5_000, nowMs: () => 0 });
    expect(await Promise.all([lookup('key'), lookup('key'), lookup('key')])).toEqual([
      'principal',
      'principal',
      'principal',
    ]);
    expect(calls).toEqual(['key']);
  });

  it('do not remember a failed look-up', async () => {
    const { load, calls } = countingLoad({});
    const lookup = cachedLookup(load, { ttlMs: 5_000, nowMs: () => 0 });
    await expect(lookup('broken')).rejects.toThrow('database unavailable');
    await expect(lookup('broken')).rejects.toThrow('database unavailable');
    expect(calls).toEqual(['broken', 'broken']);
  });

  it('key what they remember by keyOf, and load with the argument itself', async () => {
    const { load, calls } = countingLoad({ 'secret-1': 'principal' });
    const lookup = cachedLookup(load, { ttlMs: 5_000, nowMs: () => 0, keyOf: () => 'same-hash' });
    expect(await lookup('secret-1')).toBe('principal');
    expect(await lookup('secret-2')).toBe('principal');
    expect(calls).toEqual(['secret-1']);
  });

  it('bound what they remember, forgetting the least recently used key first', async () => {
    const { load, calls } = countingLoad({ a: 'A', b: 'B', c: 'C' });
    const lookup = cachedLookup(load, { ttlMs: 5_000, nowMs: () => 0, maxEntries: 2 });
    await lookup('a');
    await lookup('b');
    await lookup('a');
    await lookup('c');
    await lookup('b');
    expect(calls).toEqual(['a', 'b', 'c', 'b']);
  });

  it('load every time when the time to live is 0', async () => {
    const { load, calls } = countingLoad({ key: 'principal' });
    const lookup = cachedLookup(load, { ttlMs: 0, nowMs: () => 0 });
    await lookup('key');
    await lookup('key');
    expect(calls).toEqual(['key', 'key']);
  });
});
