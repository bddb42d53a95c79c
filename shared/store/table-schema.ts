/**
 * The single-table layout: attribute, index and key-prefix names shared by the repositories and the CDK stack.
 * Changing a name here changes it everywhere; nothing else spells these strings.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  gsi1: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' },
  /** Sharded fleet-wide listings (all organisations, all nodes) without a Scan. */
  gsi2: { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'ALL' },
  /**
   * Sparse: only records with events waiting in their outbox, which the event recorder finds here (keys only: it
   * reads each record itself, consistently).
   */
  gsi3: { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk', projection: 'KEYS_ONLY' },
} as const;

/** Every global secondary index, as the table is created with them (locally, and by the CDK stack). */
export const GLOBAL_INDEXES = [TABLE.gsi1, TABLE.gsi2, TABLE.gsi3] as const;

/** Number of shards for fleet-wide listings on GSI2; a write spreads over this many partitions. */
export const FLEET_SHARDS = 8;

/** A record's key: partition and sort key. */
export type Key = { readonly pk: string; readonly sk: string };

export type GlobalIndexName = (typeof GLOBAL_INDEXES)[number]['name'];

/** Local default; AWS mode names its table in config. */
export const DEFAULT_TABLE_NAME = 'carechain';
