/**
 * The single-table layout: attribute, index and key-prefix names shared by the repositories and the CDK stack.
 * Changing a name here changes it everywhere; nothing else spells these strings.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  gsi1: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Sharded fleet-wide listings (all organisations, all nodes) without a Scan. */
  gsi2: { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
} as const;

/** Number of shards for fleet-wide listings on GSI2; a write spreads over this many partitions. */
export const FLEET_SHARDS = 8;

export type GlobalIndexName = typeof TABLE.gsi1.name | typeof TABLE.gsi2.name;

/** Local default; AWS mode names its table in config. */
export const DEFAULT_TABLE_NAME = 'carechain';
