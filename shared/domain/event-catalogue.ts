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
} as const;

export type EventType = keyof typeof EVENT_CATALOGUE;
export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as [EventType, ...EventType[]];

/** A delivery sent on request to check an endpoint; never recorded in the event log, never retried. */
export const TEST_EVENT_TYPE = 'webhook.test';
