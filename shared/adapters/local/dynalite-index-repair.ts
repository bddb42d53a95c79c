/**
 * Rebuilds the embedded database's secondary indexes from its items after an unclean stop.
 *
 * dynalite applies a write as separate LevelDB writes: the item's index entries first, then the item. A process
 * killed between the two leaves an index that disagrees with its table for good (DynamoDB's own indexes catch up;
 * these never do): an entry for an item that was never written, or one newer than its item. Fleet listings read
 * those indexes, so a node could show a state it never reached, or a node that does not exist.
 *
 * The items are the truth: every write an API call acknowledged wrote its item last. So the indexes are
 * recomputed from the items, with dynalite's own index functions, and only entries that differ are rewritten. It
 * runs on the closed database, before dynalite serves it, and is idempotent: a repair cut short runs again.
 *
 * It reads dynalite's storage layout (pinned version 4.0.0): `table~<name>` holds a table's description,
 * `item-<table>~<key>` its items, `index-<global|local>~<table>~<index>~<key>` its index entries.
 */
import { createRequire } from 'node:module';

interface KeySchemaElement {
  readonly AttributeName: string;
  readonly KeyType: 'HASH' | 'RANGE';
}

interface IndexDescription {
  readonly IndexName: string;
  readonly KeySchema: readonly KeySchemaElement[];
}

interface TableDescription {
  readonly TableName: string;
  readonly GlobalSecondaryIndexes?: readonly IndexDescription[];
  readonly LocalSecondaryIndexes?: readonly IndexDescription[];
}

type StoredValue = Record<string, unknown>;

interface LevelDatabase {
  iterator(range: { gte: string; lt: string }): AsyncIterable<[string, StoredValue]>;
  batch(
    operations: ReadonlyArray<{ type: 'put'; key: string; value: StoredValue } | { type: 'del'; key: string }>,
  ): Promise<void>;
  close(): Promise<void>;
}

interface DynaliteDb {
  create(options: { path: string }): { db: LevelDatabase };
  getIndexActions(
    indexes: readonly IndexDescription[],
    existingItem: undefined,
    item: StoredValue,
    table: TableDescription,
  ): { puts: Array<{ index: string; key: string; item: StoredValue }> };
}

export interface IndexRepairReport {
  readonly items: number;
  /** Entries that named an item that does not exist, or no longer under that key. */
  readonly removed: number;
  /** Entries that were missing or disagreed with their item. */
  readonly written: number;
}

/** Every key that starts with `prefix` (which ends in `~`, the highest ASCII character but one). */
function under(prefix: string): { gte: string; lt: string } {
  return { gte: prefix, lt: `${prefix.slice(0, -1)}\u007f` };
}

const BATCH_SIZE = 500;

export async function repairIndexes(path: string): Promise<IndexRepairReport> {
  const dynaliteDb = createRequire(import.meta.url)('dynalite/db') as DynaliteDb;
  const { db } = dynaliteDb.create({ path });
  let items = 0;
  let removed = 0;
  let written = 0;
  const pending: Parameters<LevelDatabase['batch']>[0][number][] = [];
  const flush = async () => {
    if (pending.length > 0) await db.batch(pending.splice(0));
  };
  try {
    const tables: TableDescription[] = [];
    for await (const [, table] of db.iterator(under('table~'))) tables.push(table as unknown as TableDescription);
    for (const table of tables) {
      const groups = (
        [
          ['global', table.GlobalSecondaryIndexes ?? []],
          ['local', table.LocalSecondaryIndexes ?? []],
        ] as const
      ).filter(([, indexes]) => indexes.length > 0);
      const prefixOf = (type: string, indexName: string) => `index-${type}~${table.TableName}~${indexName}~`;
      // What each index must hold, computed from the items as dynalite computes it on a write.
      const expected = new Map<string, Map<string, string>>();
      for (const [type, indexes] of groups) {
        for (const index of indexes) expected.set(prefixOf(type, index.IndexName), new Map());
      }
      for await (const [, item] of db.iterator(under(`item-${table.TableName}~`))) {
        items += 1;
        for (const [type, indexes] of groups) {
          for (const put of dynaliteDb.getIndexActions(indexes, undefined, item, table).puts) {
            expected.get(prefixOf(type, put.index))?.set(put.key, JSON.stringify(put.item));
          }
        }
      }
      for (const [prefix, entries] of expected) {
        for await (const [storedKey, value] of db.iterator(under(prefix))) {
          const key = storedKey.slice(prefix.length);
          const wanted = entries.get(key);
          if (wanted === undefined) {
            pending.push({ type: 'del', key: storedKey });
            removed += 1;
          } else if (wanted !== JSON.stringify(value)) {
            pending.push({ type: 'put', key: storedKey, value: JSON.parse(wanted) as StoredValue });
            written += 1;
          }
          entries.delete(key);
          if (pending.length >= BATCH_SIZE) await flush();
        }
        for (const [key, wanted] of entries) {
          pending.push({ type: 'put', key: `${prefix}${key}`, value: JSON.parse(wanted) as StoredValue });
          written += 1;
          if (pending.length >= BATCH_SIZE) await flush();
        }
        await flush();
      }
    }
  } finally {
    await db.close();
  }
  return { items, removed, written };
}
