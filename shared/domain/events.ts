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
import { derivedId, newId } from './ids.ts';

export const EVENT_CATALOGUE = {
  'node.state_changed': 'A node moved through its lifecycle (requested, provisioning, running, stopped, failed…)',
  'node.health_changed': 'The health monitor changed its verdict on a node (healthy, degraded, unhealthy)',
  'proposal.created': 'A consortium governance proposal was opened on a network the organisation belongs to',
  'proposal.decided': 'A consortium governance proposal passed, was rejected or expired',
  'billing.state_changed': 'The organisation’s billing account changed state (active, past_due, suspended…)',
  'chain.log': 'A contract log matching the endpoint’s filter (network, address, topics) was sealed in a block',
  'consent.granted': 'A patient gave (or changed) a consent to the organisation, or one the organisation relayed',
  'consent.superseded': 'A consent was replaced by a newer one of the same patient pseudonym and grantee',
  'consent.revoked': 'A patient withdrew a consent to the organisation, or one the organisation relayed',
  'consent.blocked': 'A patient blocked the organisation ("spärr"): every check under the pseudonym denies',
  'consent.unblocked': 'A patient lifted a block on the organisation',
  'consent.emergency_access': 'The organisation logged an emergency access ("nödöppning") that needed no consent',
  'network.stalled': 'A network the organisation has a node on stopped sealing blocks',
  'network.recovered': 'A network the organisation has a node on seals blocks again',
  'validator.down': 'A validator of a network the organisation has a node on does not answer',
  'upgrade.paused': 'A rolling Besu upgrade of a network the organisation has a node on paused on a failure',
  'backup.failed': 'A backup of a network the organisation has a node on failed',
} as const;

export type EventType = keyof typeof EVENT_CATALOGUE;
export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as [EventType, ...EventType[]];

/** A delivery sent on request to check an endpoint; never recorded in the event log, never retried. */
export const TEST_EVENT_TYPE = 'webhook.test';

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
