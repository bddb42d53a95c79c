/**
 * Remembers the answers of the gateway's look-ups (API key → principal, node id → node) for a few seconds, so a
 * busy key does not cost a database read per call, and merges concurrent look-ups of the same key. Misses are
 * remembered too, which keeps a flood of wrong keys off the database. Failed look-ups are not remembered.
 *
 * The price is staleness up to `ttlMs`: a revoked key or a stopped node is honoured within that time.
 */
import { LruCache } from './lru-cache.ts';

export interface LookupCacheOptions {
  /** 0 turns caching off. */
  readonly ttlMs: number;
  /** @default 10_000 */
  readonly maxEntries?: number;
  readonly nowMs: () => number;
  /** Maps the argument to the key remembered (e.g. a hash, so secrets are not kept as map keys). */
  readonly keyOf?: (argument: string) => string;
}

export function cachedLookup<V>(
  load: (argument: string) => Promise<V>,
  options: LookupCacheOptions,
): (argument: string) => Promise<V> {
  if (options.ttlMs <= 0) return load;
  const remembered = new LruCache<{ value: V; expiresAt: number }>({ maxEntries: options.maxEntries ?? 10_000 });
  const loading = new Map<string, Promise<V>>();
  return (argument) => {
    const key = options.keyOf ? options.keyOf(argument) : argument;
    const hit = remembered.get(key);
    if (hit && hit.expiresAt > options.nowMs()) return Promise.resolve(hit.value);
    const pending = loading.get(key);
    if (pending) return pending;
    const promise = load(argument)
      .then((value) => {
        remembered.set(key, { value, expiresAt: options.nowMs() + options.ttlMs });
        return value;
      })
      .finally(() => loading.delete(key));
    loading.set(key, promise);
    return promise;
  };
}
