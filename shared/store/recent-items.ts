/**
 * Items read recently on a request's hot path, kept in this process for a bounded time (docs/architecture.md,
 * "Recent reads"): the session, user, membership, organisation, API key, signing key and personal-data policy that
 * every signature through the API reads. A read that asks for a recent item (`table.getRecent`, repository methods
 * called with `{ recent: true }`) is answered from here while the entry is younger than `staleMs`; every write
 * through a table sharing this instance forgets the entries that depend on what it wrote, at once. So this process
 * always reads its own writes, and a change made elsewhere (another Lambda instance, another process) takes effect
 * here within `staleMs` — the bound documented for revocation, logout, role changes and key state.
 *
 * A read that was under way while a write to what it depends on happened is not kept, so a late answer cannot put
 * back what the write replaced.
 */
/** An item's key (the table's `Key`, restated so the table can import this module). */
type Key = { readonly pk: string; readonly sk: string };

/** What a kept read depends on: one item, or the items of a partition whose sort key starts with `prefix`. */
export type Dependency =
  | { readonly pk: string; readonly sk: string }
  | { readonly pk: string; readonly prefix: string };

/** How long a change made elsewhere may go unseen by this process. @default 5 s */
export const DEFAULT_RECENT_STALE_MS = 5_000;

/** Writes remembered for reads under way; a read that outlasts more writes than this is simply not kept. */
const RECENT_WRITES = 256;

interface Entry {
  readonly value: unknown;
  readonly keptAt: number;
  readonly dependencies: readonly Dependency[];
}

export interface RecentItemsOptions {
  /** How long an entry answers reads; a change made elsewhere is seen within it. @default 5 s; 0 keeps nothing */
  readonly staleMs?: number;
  /** Entries kept; the oldest are dropped beyond it. @default 10,000 */
  readonly max?: number;
  /** Milliseconds now (tests move it). @default Date.now */
  readonly now?: () => number;
}

export class RecentItems {
  readonly staleMs: number;
  private readonly max: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();
  /** Entry ids by the partitions they depend on, so a write finds what to forget without a scan. */
  private readonly byPartition = new Map<string, Set<string>>();
  /** The last writes (a ring), so that a read begun before one of them is not kept. */
  private readonly recentWrites: Key[] = [];
  private writes = 0;

  constructor(options: RecentItemsOptions = {}) {
    this.staleMs = options.staleMs ?? DEFAULT_RECENT_STALE_MS;
    this.max = options.max ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The kept answer of the read `id` while it is fresh; else `load()`'s, kept with what it depends on (worked out
   * from the answer: an index look-up depends on the item it found). `undefined` answers are not kept unless a
   * dependency is given for them (a missing item by key).
   */
  async read<T>(id: string, dependenciesOf: (value: T) => readonly Dependency[], load: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(id);
    if (entry && this.now() - entry.keptAt < this.staleMs) return entry.value as T;
    if (entry) this.drop(id, entry);
    const keptAt = this.now();
    const writesBefore = this.writes;
    const value = await load();
    const dependencies = dependenciesOf(value);
    if (this.staleMs <= 0 || dependencies.length === 0) return value;
    if (this.writtenSince(writesBefore, dependencies)) return value;
    this.keep(id, { value, keptAt, dependencies });
    return value;
  }

  /** Forgets every entry that depends on `key`: called by the table after each write. */
  written(key: Key): void {
    this.recentWrites[this.writes % RECENT_WRITES] = key;
    this.writes++;
    const ids = this.byPartition.get(key.pk);
    if (!ids) return;
    for (const id of [...ids]) {
      const entry = this.entries.get(id);
      if (entry?.dependencies.some((dependency) => dependsOn(dependency, key))) this.drop(id, entry);
    }
  }

  /** Whether a write since the `since`-th touched the dependencies; when too many to tell, assumed so. */
  private writtenSince(since: number, dependencies: readonly Dependency[]): boolean {
    if (this.writes - since > RECENT_WRITES) return true;
    for (let i = since; i < this.writes; i++) {
      const key = this.recentWrites[i % RECENT_WRITES] as Key;
      if (dependencies.some((dependency) => dependsOn(dependency, key))) return true;
    }
    return false;
  }

  private keep(id: string, entry: Entry): void {
    const previous = this.entries.get(id);
    if (previous) this.drop(id, previous);
    while (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value as string;
      this.drop(oldest, this.entries.get(oldest) as Entry);
    }
    this.entries.set(id, entry);
    for (const { pk } of entry.dependencies) {
      let ids = this.byPartition.get(pk);
      if (!ids) {
        ids = new Set();
        this.byPartition.set(pk, ids);
      }
      ids.add(id);
    }
  }

  private drop(id: string, entry: Entry): void {
    this.entries.delete(id);
    for (const { pk } of entry.dependencies) {
      const ids = this.byPartition.get(pk);
      ids?.delete(id);
      if (ids?.size === 0) this.byPartition.delete(pk);
    }
  }
}

function dependsOn(dependency: Dependency, key: Key): boolean {
  if (dependency.pk !== key.pk) return false;
  return 'sk' in dependency ? dependency.sk === key.sk : key.sk.startsWith(dependency.prefix);
}
