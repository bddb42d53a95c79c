/**
 * Remembers the answers of the gateway's look-ups (API key → principal, node id → node) for a few seconds, so a
 * busy key does not cost a database read per call, and merges concurrent look-ups of the same key. Misses are
 * remembered too, which keeps a flood of wrong keys off the database. Failed look-ups are not remembered.
 *
 * The price is staleness up to `ttlMs`: a revoked key or a stopped node is honoured within that time.
 * `lru-cache` does the bounding, the expiry (on the gateway's clock) and the merging of look-ups under way.
 */
import { LRUCache } from 'lru-cache';

export interface LookupCacheOptions {
  /** 0 turns caching off. */
  readonly ttlMs: number;
  /** @default 10_000 */
  readonly maxEntries?: number;
  readonly nowMs: () => number;
  /** Maps the argument to the key remembered (e.g. a hash, so secrets are not kept as map keys). */
  readonly keyOf?: (argument: string) => string;
}

/** A remembered look-up; `peek` answers a fresh remembered value without a promise (undefined when there is none). */
export type CachedLookup<V> = ((argument: string) => Promise<V>) & {
  readonly peek: (argument: string) => { readonly value: V } | undefined;
};

export function cachedLookup<V>(load: (argument: string) => Promise<V>, options: LookupCacheOptions): CachedLookup<V> {
  if (options.ttlMs <= 0) return Object.assign((argument: string) => load(argument), { peek: () => undefined });
  // Boxed: the cache holds no `undefined`, and a miss (an unknown key) is an answer worth remembering.
  const remembered = new LRUCache<string, { readonly value: V }, string>({
    max: options.maxEntries ?? 10_000,
    ttl: options.ttlMs,
    // Exact expiry on the injected clock, not a now() cached for a millisecond.
    ttlResolution: 0,
    perf: { now: options.nowMs },
    fetchMethod: async (_key, _stale, { context }) => ({ value: await load(context) }),
  });
  const peek = (argument: string) => remembered.get(options.keyOf ? options.keyOf(argument) : argument);
  const lookup = (argument: string) => {
    const key = options.keyOf ? options.keyOf(argument) : argument;
    // A fresh entry is read directly: fetch() would build its own promises and options for every hit.
    const hit = remembered.get(key);
    if (hit !== undefined) return Promise.resolve(hit.value);
    // fetch() answers undefined only for an aborted or empty load; the box is never empty and nothing aborts.
    return remembered.fetch(key, { context: argument }).then((entry) => (entry as { readonly value: V }).value);
  };
  return Object.assign(lookup, { peek });
}
