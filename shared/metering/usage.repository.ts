/**
 * Usage records and hourly rollups in the single table (docs/architecture.md, "Metering"):
 *
 * - `ORG#<orgId>` / `USAGE#<meter>#<hour>#<flusherId>#<sequence>`: one immutable record per (organisation, meter,
 *   hour, flush), created with `attribute_not_exists`, so a retried write is refused instead of counted twice.
 *   The first record a flusher writes for an (organisation, hour) also carries GSI2 keys
 *   `USAGEHOUR#<hour>#<shard>` / `ORG#<orgId>#<flusherId>`: a sparse, sharded index of who used what in an hour,
 *   which is how the rollup finds organisations without a Scan.
 * - `ORG#<orgId>` / `ROLLUP#<meter>#<hour>`: the hour's sum, overwritten whenever it is recomputed.
 */
import type { Meter, UsageRecord, UsageRollup } from '../domain/metering.ts';
import { ConflictError } from '../errors.ts';
import { shardOf } from '../store/keys.ts';
import { ConditionFailedError, type Item, type Table } from '../store/table.ts';
import { FLEET_SHARDS } from '../store/table-schema.ts';

const SEQUENCE_DIGITS = 12;
/** Sorts after every flusher id (lower-case letters, digits and dashes). */
const AFTER_ANY_FLUSHER = '~';
const FLUSHER_ID = /^[a-z0-9-]{1,64}$/;

export const usageKeys = {
  record: (r: Pick<UsageRecord, 'orgId' | 'meter' | 'hour' | 'flusherId' | 'sequence'>) => ({
    pk: `ORG#${r.orgId}`,
    sk: `USAGE#${r.meter}#${r.hour}#${r.flusherId}#${String(r.sequence).padStart(SEQUENCE_DIGITS, '0')}`,
  }),
  recordsOfHour: (meter: Meter, hour: string) => `USAGE#${meter}#${hour}#`,
  rollup: (orgId: string, meter: Meter, hour: string) => ({ pk: `ORG#${orgId}`, sk: `ROLLUP#${meter}#${hour}` }),
  hourIndex: (hour: string, shard: number) => `USAGEHOUR#${hour}#${shard}`,
} as const;

type UsageRecordItem = Item & UsageRecord & { type: 'usage'; writtenAt: string };
type UsageRollupItem = Item & UsageRollup & { type: 'usage-rollup' };

/** A usage key that exists with other contents: two processes used the same flusher id. */
export class UsageRecordCollisionError extends ConflictError {}

export type WriteOutcome = 'written' | 'already-written';

export function isFlusherId(value: string): boolean {
  return FLUSHER_ID.test(value);
}

export class UsageRepository {
  constructor(
    private readonly table: Table,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Creates the record. If its key exists already, the record was written by an earlier attempt whose answer got
   * lost (a timeout, a crash), which is success; unless the stored record differs, which means a flusher id was
   * reused and is reported as a collision instead of silently dropping the count.
   */
  async writeRecord(record: UsageRecord): Promise<WriteOutcome> {
    const key = usageKeys.record(record);
    const item: UsageRecordItem = {
      ...key,
      ...record,
      type: 'usage',
      writtenAt: this.now().toISOString(),
      ...(record.announcesHour
        ? {
            gsi2pk: usageKeys.hourIndex(record.hour, shardOf(record.orgId)),
            gsi2sk: `ORG#${record.orgId}#${record.flusherId}`,
          }
        : {}),
    };
    try {
      await this.table.create(item);
      return 'written';
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const existing = await this.table.get<UsageRecordItem>(key);
      if (existing && existing.amount === record.amount) return 'already-written';
      throw new UsageRecordCollisionError(`Usage record ${key.sk} exists with other contents`, { cause: error });
    }
  }

  /** The records of an organisation and meter in the hours from `fromHour` to `toHour`, both included. */
  async records(orgId: string, meter: Meter, fromHour: string, toHour: string): Promise<UsageRecord[]> {
    const items = await this.table.queryAll<UsageRecordItem>(`ORG#${orgId}`, {
      between: [
        usageKeys.recordsOfHour(meter, fromHour),
        `${usageKeys.recordsOfHour(meter, toHour)}${AFTER_ANY_FLUSHER}`,
      ],
    });
    return items.map(toRecord);
  }

  async recordsOfHour(orgId: string, meter: Meter, hour: string): Promise<UsageRecord[]> {
    const items = await this.table.queryAll<UsageRecordItem>(`ORG#${orgId}`, {
      beginsWith: usageKeys.recordsOfHour(meter, hour),
    });
    return items.map(toRecord);
  }

  /**
   * Organisations with at least one usage record in the hour, from the sparse hour index. The index is eventually
   * consistent: run the rollup a little after the hour (and again later; it is recomputable).
   */
  async organisationsWithUsage(hour: string): Promise<string[]> {
    const shards = Array.from({ length: FLEET_SHARDS }, (_, shard) => shard);
    const pages = await Promise.all(
      shards.map((shard) => this.table.queryAll<UsageRecordItem>(usageKeys.hourIndex(hour, shard), { index: 'gsi2' })),
    );
    return [...new Set(pages.flat().map((item) => item.orgId))].sort();
  }

  /** Overwrites the hour's rollup: it is derived data, and a recomputation is at least as complete. */
  async writeRollup(rollup: UsageRollup): Promise<void> {
    await this.table.replace<UsageRollupItem>({
      ...usageKeys.rollup(rollup.orgId, rollup.meter, rollup.hour),
      ...rollup,
      type: 'usage-rollup',
    });
  }

  /** Rollups of an organisation and meter in the hours from `fromHour` to `toHour`, both included. */
  async rollups(orgId: string, meter: Meter, fromHour: string, toHour: string): Promise<UsageRollup[]> {
    const items = await this.table.queryAll<UsageRollupItem>(`ORG#${orgId}`, {
      between: [usageKeys.rollup(orgId, meter, fromHour).sk, usageKeys.rollup(orgId, meter, toHour).sk],
    });
    return items.map((item) => ({
      orgId: item.orgId,
      meter: item.meter,
      hour: item.hour,
      total: item.total,
      records: item.records,
      computedAt: item.computedAt,
    }));
  }
}

function toRecord(item: UsageRecordItem): UsageRecord {
  return {
    orgId: item.orgId,
    meter: item.meter,
    hour: item.hour,
    flusherId: item.flusherId,
    sequence: item.sequence,
    amount: item.amount,
    announcesHour: item.announcesHour,
  };
}
