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
  readonly TableArn?: string;
  readonly AttributeDefinitions?: readonly { AttributeName: string; AttributeType: string }[];
  readonly GlobalSecondaryIndexes?: readonly IndexDescription[];
  readonly LocalSecondaryIndexes?: readonly IndexDescription[];
}

/** A global secondary index as the code defines it (shared/store/table-schema.ts). */
export interface WantedIndex {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly projection: 'ALL' | 'KEYS_ONLY';
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

/**
 * Adds to a table the global indexes the code defines and it lacks (a database made by an older release), which
 * dynalite's UpdateTable cannot do; `repairIndexes` then fills them from the items. Runs on the closed database.
 * Returns the names of the indexes it added.
 */
export async function addMissingGlobalIndexes(
  path: string,
  tableName: string,
  wanted: readonly WantedIndex[],
): Promise<string[]> {
  const dynaliteDb = createRequire(import.meta.url)('dynalite/db') as DynaliteDb;
  const { db } = dynaliteDb.create({ path });
  try {
    const key = `table~${tableName}`;
    let table: TableDescription | undefined;
    for await (const [stored, value] of db.iterator(under('table~'))) {
      if (stored === key) table = value as unknown as TableDescription;
    }
    if (!table) return [];
    const present = new Set((table.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
    const missing = wanted.filter((index) => !present.has(index.name));
    if (missing.length === 0) return [];
    const attributes = [...(table.AttributeDefinitions ?? [])];
    for (const index of missing) {
      for (const name of [index.partitionKey, index.sortKey]) {
        if (!attributes.some((a) => a.AttributeName === name))
          attributes.push({ AttributeName: name, AttributeType: 'S' });
      }
    }
    const added = missing.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: index.projection },
      IndexStatus: 'ACTIVE',
      IndexArn: `${table.TableArn ?? ''}/index/${index.name}`,
      IndexSizeBytes: 0,
      ItemCount: 0,
      ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0, NumberOfDecreasesToday: 0 },
    }));
    const upgraded = {
      ...table,
      AttributeDefinitions: attributes,
      GlobalSecondaryIndexes: [...(table.GlobalSecondaryIndexes ?? []), ...added],
    };
    await db.batch([{ type: 'put', key, value: upgraded as unknown as StoredValue }]);
    return missing.map((index) => index.name);
  } finally {
    await db.close();
  }
}

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
