/**
 * The events the platform tells organisations about (docs/architecture.md, "Event streams"): the catalogue of
 * event types, the shape of an event, and the outbox entry a state change writes in the same conditional write as
 * the change itself. Webhook endpoints subscribe to types from this catalogue; the API and the console take their
 * word lists from it.
 *
 * Adding a type is one entry in EVENT_CATALOGUE (the consent ledger's `consent.*` events, say); what emits it writes
 * an outbox entry with that type beside its own record, and everything after that (recording, ordering, signing,
 * delivery, retries) is the same for every type.
 */
import { EVENT_CATALOGUE, type EventType, type TEST_EVENT_TYPE } from './event-catalogue.ts';
import { derivedId, newId } from './ids.ts';

export { EVENT_CATALOGUE, EVENT_TYPES, type EventType, TEST_EVENT_TYPE } from './event-catalogue.ts';

/** What the platform tells an organisation: the body of a webhook delivery, as JSON. */
export interface PlatformEvent {
  /** Unique per event; receivers deduplicate by it (a redelivery carries the same id). */
  readonly id: string;
  readonly type: EventType | typeof TEST_EVENT_TYPE;
  /** When it happened (for chain logs: when the platform read the block). */
  readonly createdAt: string;
  readonly orgId: string;
  /** Ids, states and chain data only: never personal data, never secrets. */
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * An event waiting beside the record whose change caused it. Written by the same conditional write as the change,
 * so the change and its event exist together or not at all; the event recorder moves it into the organisation's
 * event log. `key` is set by the recorder before it writes the event, so a recorder that stops half-way writes the
 * same event under the same key when it runs again.
 */
export interface OutboxEntry {
  readonly event: PlatformEvent;
  readonly key?: string;
}

/** Organisations that never receive events: the platform's own records (its genesis validators, its key). */
export const PLATFORM_ORG_ID = 'platform';

/** The consent ledger's events, derived from its logs (functions/jobs/events/consent-event-stream.ts). */
export type ConsentEventType = Extract<EventType, `consent.${string}`>;

export function isConsentEventType(value: string): value is ConsentEventType {
  return value.startsWith('consent.') && isEventType(value);
}

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(EVENT_CATALOGUE, value);
}

/** The outbox entries of one event per organisation, leaving out the platform's own. */
export function outboxFor(events: readonly PlatformEvent[]): OutboxEntry[] {
  return events.filter((event) => event.orgId !== PLATFORM_ORG_ID).map((event) => ({ event }));
}

/** A new event of `type` for `orgId`, created now. */
export function platformEvent(type: EventType, orgId: string, at: Date, data: Record<string, unknown>): PlatformEvent {
  return { id: newId('event'), type, createdAt: at.toISOString(), orgId, data };
}

/** The id of the `chain.log` event of one log: the same every time the log is read, from any node of the network. */
export function chainLogEventId(networkId: string, blockHash: string, logIndex: number): string {
  return derivedId('event', `chain.log:${networkId}:${blockHash.toLowerCase()}:${logIndex}`);
}

/** The id of the `consent.*` event of one consent-ledger log, derived like a chain log's. */
export function consentEventId(networkId: string, blockHash: string, logIndex: number): string {
  return derivedId('event', `consent:${networkId}:${blockHash.toLowerCase()}:${logIndex}`);
}
