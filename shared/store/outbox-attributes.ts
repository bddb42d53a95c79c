/**
 * The attributes a record carries while its events wait in its outbox (docs/architecture.md, "Event streams"): the entries,
 * and the sparse GSI3 keys by which the event recorder finds it.
 */
import type { OutboxEntry } from '../domain/events.ts';
import { FLEET_SHARDS, type Key, TABLE } from './table-schema.ts';

/** The attribute that holds a record's events until the event recorder has moved them to the event log. */
export const OUTBOX_ATTRIBUTE = 'outbox';

/**
 * What a record carries while events wait in its outbox: the entries, and the sparse GSI3 keys by which the event
 * recorder finds it (sharded like the fleet listings, so a burst of changes spreads over partitions).
 */
export function outboxAttributes(key: Key, events: readonly OutboxEntry[]): Record<string, unknown> {
  if (events.length === 0) return {};
  return { [OUTBOX_ATTRIBUTE]: events, ...outboxIndexKeys(key) };
}

export function outboxIndexKeys(key: Key): Record<string, string> {
  let hash = 0;
  const text = `${key.pk}#${key.sk}`;
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) >>> 0;
  return { [TABLE.gsi3.partitionKey]: `OUTBOX#${hash % FLEET_SHARDS}`, [TABLE.gsi3.sortKey]: text };
}
