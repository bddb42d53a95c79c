/**
 * The catalogue of event types webhook endpoints subscribe to (docs/architecture.md, "Event streams"), with what
 * each means. Free of Node built-ins, so the console builds its event-type choices from the same list the API
 * validates with; `events.ts` holds the events themselves.
 */
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
