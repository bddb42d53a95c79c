/**
 * Webhook endpoints and their deliveries as records (docs/architecture.md, "Event streams"), and which events an
 * endpoint wants: the types it subscribed to, and for `chain.log` only logs of its network that its filter matches.
 */
import type { EventType, PlatformEvent } from './events.ts';
import { type LogFilter, matchesLogFilter } from './log-filter.ts';
import type { DeliveryStatus } from './webhook-delivery.ts';

export const WEBHOOK_STATUSES = ['active', 'disabled'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

/** The logs a `chain.log` subscription wants: one network, and optionally addresses and topics. */
export interface ChainLogFilter extends LogFilter {
  readonly networkId: string;
}

/** The delivery an endpoint is retrying: later events wait behind it, so an endpoint receives them in order. */
export interface PendingRetry {
  readonly deliveryId: string;
  readonly eventKey: string;
  readonly nextAttemptAt: string;
}

export interface WebhookEndpoint {
  readonly id: string;
  readonly orgId: string;
  readonly url: string;
  readonly description: string;
  readonly eventTypes: readonly EventType[];
  readonly chainLog: ChainLogFilter | undefined;
  readonly status: WebhookStatus;
  /** Why the platform disabled it (deliveries failed for three days), for the console. */
  readonly disabledReason: string | undefined;
  /** The signing secret, sealed by the `SecretBox`; never shown after creation. */
  readonly sealedSecret: string;
  /** The first characters of the secret, to tell secrets apart. */
  readonly secretPrefix: string;
  /** The key of the last event of the organisation's log this endpoint is done with. */
  readonly cursor: string;
  readonly retry: PendingRetry | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** One event sent (or being sent) to one endpoint, with the outcome of its last attempt. */
export interface WebhookDelivery {
  /** Time-ordered (`timeOrderedId`): the delivery log lists newest first by it. */
  readonly id: string;
  readonly endpointId: string;
  readonly orgId: string;
  readonly eventId: string;
  readonly eventType: string;
  /** The event's key in the organisation's log; absent for test events. */
  readonly eventKey: string | undefined;
  /** The exact body sent, so a redelivery sends the same bytes (newly signed). */
  readonly body: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly firstAttemptAt: string;
  readonly lastAttemptAt: string;
  readonly nextAttemptAt: string | undefined;
  /** The receiver's HTTP status on the last attempt; undefined when no answer came. */
  readonly responseStatus: number | undefined;
  readonly latencyMs: number;
  /** Why the last attempt failed, in words (no receiver content). */
  readonly error: string | undefined;
  readonly version: number;
}

/** Whether `endpoint` subscribed to `event` (its type; for chain logs its network and filter too). */
export function endpointWants(endpoint: Pick<WebhookEndpoint, 'eventTypes' | 'chainLog'>, event: PlatformEvent) {
  if (!(endpoint.eventTypes as readonly string[]).includes(event.type)) return false;
  if (event.type !== 'chain.log') return true;
  const filter = endpoint.chainLog;
  if (!filter || filter.networkId !== event.data.networkId) return false;
  const log = { address: String(event.data.address ?? ''), topics: (event.data.topics ?? []) as string[] };
  return matchesLogFilter(log, filter);
}

/** Deliveries are named after the event key they carry, so one event is one delivery per endpoint, found again. */
export function deliveryIdOf(eventKey: string): string {
  return `dlv_${eventKey}`;
}

export const DELIVERY_ID_PATTERN = /^dlv_\d{16}$/;
