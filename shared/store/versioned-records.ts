/**
 * Records that are one domain object each, kept whole in one item of a partition and changed only with the version
 * they were read at (a single conditional write each): incidents, upgrade plans, backups. The repositories of fleet
 * operations build on it; it knows nothing of what the objects are.
 */
import type { OutboxEntry } from '../domain/events.ts';
import { ConditionFailedError, type Item, type Key, outboxAttributes, type Table } from './table.ts';

export type Versioned<T> = T & { readonly version: number };

export class VersionedRecords<T extends object> {
  constructor(
    private readonly table: Table,
    /** The item `type` attribute, for people reading the table. */
    private readonly type: string,
  ) {}

  /**
   * Writes a new record; ConditionFailedError when its key exists. `extra` adds attributes (expiry, indexes);
   * `events` go into its outbox in the same write.
   */
  async create(
    key: Key,
    record: T,
    extra: Record<string, unknown> = {},
    events: readonly OutboxEntry[] = [],
  ): Promise<Versioned<T>> {
    await this.table.create({
      ...key,
      ...extra,
      ...outboxAttributes(key, events),
      type: this.type,
      record,
      version: 1,
    });
    return { ...record, version: 1 };
  }

  async get(key: Key): Promise<Versioned<T> | undefined> {
    const item = await this.table.get<Item & { record: T; version: number }>(key);
    return item && { ...item.record, version: item.version };
  }

  /** Replaces the record if it still has the version read (ConditionFailedError otherwise), with `events`. */
  async update(
    key: Key,
    current: Versioned<T>,
    next: T,
    extra: Record<string, unknown> = {},
    events: readonly OutboxEntry[] = [],
  ): Promise<Versioned<T>> {
    const { version: _version, ...plain } = next as Versioned<T>;
    await this.table.update(key, current.version, { ...extra, record: plain }, { events });
    return { ...(plain as T), version: current.version + 1 };
  }

  /** Records whose sort key begins with `prefix`, newest (highest key) first, up to `limit`. */
  async list(partition: string, prefix: string, limit?: number): Promise<Versioned<T>[]> {
    const options = { beginsWith: prefix, newestFirst: true } as const;
    const items =
      limit === undefined
        ? await this.table.queryAll<Item & { record: T; version: number }>(partition, options)
        : (await this.table.query<Item & { record: T; version: number }>(partition, { ...options, limit })).items;
    return items.map((item) => ({ ...item.record, version: item.version }));
  }

  /** Records with sort keys in [from, to], oldest first. */
  async between(partition: string, from: string, to: string): Promise<Versioned<T>[]> {
    const items = await this.table.queryAll<Item & { record: T; version: number }>(partition, { between: [from, to] });
    return items.map((item) => ({ ...item.record, version: item.version }));
  }

  /**
   * Reads, changes and writes back, reading again when someone else wrote in between (a few times). `change`
   * returns the next record, or undefined to leave it as it is.
   */
  async change(
    key: Key,
    change: (current: Versioned<T>) => T | undefined | Promise<T | undefined>,
  ): Promise<Versioned<T> | undefined> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(key);
      if (!current) return undefined;
      const next = await change(current);
      if (next === undefined) return current;
      try {
        return await this.update(key, current, next);
      } catch (error) {
        if (!(error instanceof ConditionFailedError) || attempt >= 4) throw error;
      }
    }
  }
}
