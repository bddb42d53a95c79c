/**
 * The event log and what the event recorder needs to fill it (docs/architecture.md, "Event streams"):
 *
 * - records with events waiting in their `outbox` attribute, found through the sparse GSI3 (`OUTBOX#<shard>`);
 * - `EVENTS` / `SEQUENCE`: the high-water mark of event keys handed out, reserved a block at a time, so keys only
 *   grow, across restarts too (a block a process did not use is skipped, never reused);
 * - `ORG#<orgId>` / `EVENT#<key>`: an organisation's events in the order they were recorded (key: 16 digits), kept
 *   30 days. Webhook endpoints read it from their cursor.
 *
 * Every write is one conditional single-item write. The recorder stamps a key on each outbox entry before it writes
 * the event under that key and only then removes the entries, so a recorder that stops anywhere in between writes
 * the same events under the same keys when it runs again, and never writes one twice.
 */
import type { OutboxEntry, PlatformEvent } from '../domain/events.ts';
import { PlatformError } from '../errors.ts';
import { ConditionFailedError, type Item, type Key, OUTBOX_ATTRIBUTE, type Table } from './table.ts';
import { FLEET_SHARDS, TABLE } from './table-schema.ts';

const SEQUENCE_KEY = { pk: 'EVENTS', sk: 'SEQUENCE' } as const;
const EVENT_PREFIX = 'EVENT#';
const KEY_DIGITS = 16;
const LAST_KEY = '9'.repeat(KEY_DIGITS);
export const EVENT_RETENTION_SECONDS = 30 * 86_400;

/** A record whose outbox holds events, as the recorder reads it. */
export interface PendingRecord {
  readonly key: Key;
  readonly entries: readonly OutboxEntry[];
}

/** An event in an organisation's log. */
export interface RecordedEvent {
  readonly key: string;
  readonly event: PlatformEvent;
}

type SequenceItem = Item & { reservedThrough: number; version: number };
type EventItem = Item & { key: string; event: PlatformEvent; expiresAt: number };

export function formatEventKey(sequence: number): string {
  return String(sequence).padStart(KEY_DIGITS, '0');
}

export class EventsRepository {
  constructor(
    private readonly table: Table,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The keys of every record with events waiting (the index lags the table: read each record before acting). */
  async pendingRecordKeys(): Promise<Key[]> {
    const shards = await Promise.all(
      Array.from({ length: FLEET_SHARDS }, (_, shard) =>
        this.table.queryAll<Item>(`OUTBOX#${shard}`, { index: TABLE.gsi3.name }),
      ),
    );
    return shards.flat().map((item) => ({ pk: item.pk, sk: item.sk }));
  }

  /** A record's waiting events, read consistently; undefined when none wait (any more). */
  async readOutbox(key: Key): Promise<PendingRecord | undefined> {
    const item = await this.table.get<Item>(key);
    const entries = item?.[OUTBOX_ATTRIBUTE] as OutboxEntry[] | undefined;
    return entries && entries.length > 0 ? { key, entries } : undefined;
  }

  /**
   * Reserves `count` keys above every key reserved before (by this process or any other): the first of them.
   * Conditional on the mark it read, so two recorders never get the same block.
   */
  async reserveKeys(count: number): Promise<number> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.table.get<SequenceItem>(SEQUENCE_KEY);
      try {
        if (!current) {
          await this.table.create<SequenceItem>({ ...SEQUENCE_KEY, reservedThrough: count, version: 1 });
          return 1;
        }
        await this.table.update(SEQUENCE_KEY, current.version, { reservedThrough: current.reservedThrough + count });
        return current.reservedThrough + 1;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
    throw new PlatformError('Event keys could not be reserved: the sequence kept changing');
  }

  /**
   * Sets `keys[i]` on the record's first `keys.length` outbox entries, if they are still the entries read and none
   * has a key yet; false when the outbox changed under it (read it again).
   */
  async stampKeys(record: PendingRecord, keys: readonly string[]): Promise<boolean> {
    const names: Record<string, string> = {
      '#outbox': OUTBOX_ATTRIBUTE,
      '#key': 'key',
      '#event': 'event',
      '#id': 'id',
    };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const conditions: string[] = [];
    keys.forEach((key, i) => {
      sets.push(`#outbox[${i}].#key = :k${i}`);
      conditions.push(`#outbox[${i}].#event.#id = :id${i}`, `attribute_not_exists(#outbox[${i}].#key)`);
      values[`:k${i}`] = key;
      values[`:id${i}`] = record.entries[i]?.event.id;
    });
    return this.table.updateIf(record.key, `SET ${sets.join(', ')}`, {
      expression: conditions.join(' AND '),
      names,
      values,
    });
  }

  /** Writes an event under its key; writing it again (after a crash) changes nothing. */
  async writeEvent(key: string, event: PlatformEvent): Promise<void> {
    const expiresAt = Math.floor(this.clock().getTime() / 1000) + EVENT_RETENTION_SECONDS;
    try {
      await this.table.create<EventItem>({
        pk: `ORG#${event.orgId}`,
        sk: `${EVENT_PREFIX}${key}`,
        type: 'event',
        key,
        event,
        expiresAt,
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  /**
   * Removes the first `count` entries (the ones recorded) from the outbox, and the record from the index when no
   * others arrived meanwhile. Guarded by the first entry's id, so entries are never removed unrecorded.
   */
  async removeRecorded(record: PendingRecord, count: number): Promise<void> {
    const names = { '#outbox': OUTBOX_ATTRIBUTE, '#event': 'event', '#id': 'id' };
    const first = { ':first': record.entries[0]?.event.id };
    const index = { '#g3pk': TABLE.gsi3.partitionKey, '#g3sk': TABLE.gsi3.sortKey };
    const removedAll = await this.table.updateIf(record.key, 'REMOVE #outbox, #g3pk, #g3sk', {
      expression: 'size(#outbox) = :count AND #outbox[0].#event.#id = :first',
      names: { ...names, ...index },
      values: { ...first, ':count': count },
    });
    if (removedAll) return;
    // More entries arrived: remove only the recorded ones. Highest index first: DynamoDB reads every index of one
    // REMOVE against the list as it was, dynalite applies them one after another; in this order both agree.
    const removals = Array.from({ length: count }, (_, i) => `#outbox[${count - 1 - i}]`);
    // When the condition does not hold, someone else removed them (another recorder after a restart): nothing left.
    await this.table.updateIf(record.key, `REMOVE ${removals.join(', ')}`, {
      expression: 'size(#outbox) > :count AND #outbox[0].#event.#id = :first',
      names,
      values: { ...first, ':count': count },
    });
  }

  /**
   * The key of the organisation's newest recorded event (all zeros when none): an endpoint created now starts
   * after it. Not the sequence's mark: a recorder hands out keys from a block it reserved ahead, so keys below the
   * mark are still to come.
   */
  async lastKeyOf(orgId: string): Promise<string> {
    const page = await this.table.query<EventItem>(`ORG#${orgId}`, {
      beginsWith: EVENT_PREFIX,
      limit: 1,
      newestFirst: true,
    });
    return page.items[0]?.key ?? formatEventKey(0);
  }

  /** An organisation's events recorded after `afterKey`, oldest first. */
  async eventsAfter(orgId: string, afterKey: string, limit: number): Promise<RecordedEvent[]> {
    if (afterKey >= LAST_KEY) return [];
    const next = formatEventKey(Number(afterKey) + 1);
    const page = await this.table.query<EventItem>(`ORG#${orgId}`, {
      between: [`${EVENT_PREFIX}${next}`, `${EVENT_PREFIX}${LAST_KEY}`],
      limit,
    });
    return page.items.map((item) => ({ key: item.key, event: item.event }));
  }
}
