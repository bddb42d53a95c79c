/**
 * A least-recently-used map bounded by entry count and by total weight (e.g. bytes), on a `Map`'s insertion
 * order: a read moves the entry to the back, and the front is evicted first.
 */
export interface LruOptions<V> {
  readonly maxEntries: number;
  /** @default Infinity */
  readonly maxWeight?: number;
  /** @default every entry weighs 1 */
  readonly weigh?: (value: V) => number;
}

export class LruCache<V> {
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private totalWeight = 0;

  constructor(private readonly options: LruOptions<V>) {}

  get size(): number {
    return this.entries.size;
  }

  get weight(): number {
    return this.totalWeight;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores the value unless it alone is heavier than the whole cache may be. */
  set(key: string, value: V): void {
    const weight = this.options.weigh ? this.options.weigh(value) : 1;
    const maxWeight = this.options.maxWeight ?? Number.POSITIVE_INFINITY;
    this.delete(key);
    if (weight > maxWeight) return;
    this.entries.set(key, { value, weight });
    this.totalWeight += weight;
    while (this.entries.size > this.options.maxEntries || this.totalWeight > maxWeight) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalWeight -= entry.weight;
  }
}
