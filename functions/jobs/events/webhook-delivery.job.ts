/**
 * Delivers recorded events to webhook endpoints (docs/architecture.md, "Event streams"), in order per endpoint.
 *
 * Each endpoint reads its organisation's event log from its cursor. An event it wants is sent; the next one only
 * after it was delivered, or dead-lettered after three days of retries with backoff and jitter. Each delivery is
 * recorded under the event's key before the cursor moves past it, so after a crash an event recorded as delivered is
 * not sent again; only one whose answer came in while the process died can be (the receiver drops it by its id).
 * A dead-lettered delivery disables the endpoint, which keeps its cursor: when it is enabled again, the events that
 * came meanwhile follow in order.
 */
import type { PlatformEvent } from '../../../shared/domain/events.ts';
import { afterFailure } from '../../../shared/domain/webhook-delivery.ts';
import {
  deliveryIdOf,
  endpointWants,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../../../shared/domain/webhooks.ts';
import type { EventsRepository, RecordedEvent } from '../../../shared/store/events.repository.ts';
import { ConditionFailedError } from '../../../shared/store/table.ts';
import type { EndpointChanges, WebhooksRepository } from '../../../shared/store/webhooks.repository.ts';
import type { AttemptOutcome, WebhookSender } from '../../services/webhooks/webhook-sender.ts';

interface DeliveryLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface WebhookDeliveryDeps {
  readonly webhooks: WebhooksRepository;
  /** Every endpoint; the event pass shares one listing among its jobs. @default `webhooks.listAll()` each pass */
  readonly listEndpoints?: () => Promise<WebhookEndpoint[]>;
  readonly events: EventsRepository;
  readonly sender: WebhookSender;
  readonly clock: () => Date;
  readonly logger: DeliveryLogger;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Events one endpoint is sent per pass, so one busy endpoint does not hold up the others. @default 200 */
  readonly maxPerEndpoint?: number;
  /** Endpoints served at once. @default 16 */
  readonly concurrency?: number;
}

export interface DeliveryReport {
  readonly endpoints: number;
  readonly delivered: number;
  readonly failed: number;
}

const PAGE = 50;
const DEAD_LETTER_REASON =
  'Deliveries failed for three days; the event is in the delivery log (send it again), and events since then wait ' +
  'for the endpoint to be enabled';

type Sent =
  | { readonly kind: 'delivered' | 'dead' | 'skipped' }
  | { readonly kind: 'waiting'; readonly nextAttemptAt: string };

export class WebhookDeliveryWorker {
  #running: Promise<DeliveryReport> | undefined;

  constructor(private readonly deps: WebhookDeliveryDeps) {}

  /** One pass over every active endpoint; concurrent calls share the pass under way. */
  runOnce(): Promise<DeliveryReport> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #pass(): Promise<DeliveryReport> {
    const all = await (this.deps.listEndpoints?.() ?? this.deps.webhooks.listAll());
    const listed = all.filter((endpoint) => endpoint.status === 'active');
    const tally = { delivered: 0, failed: 0 };
    const queue = [...listed];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await this.#drain(next, tally);
    };
    await Promise.all(Array.from({ length: Math.min(queue.length, this.deps.concurrency ?? 16) }, worker));
    return { endpoints: listed.length, ...tally };
  }

  async #drain(listed: WebhookEndpoint, tally: { delivered: number; failed: number }): Promise<void> {
    let endpoint = await this.deps.webhooks.get(listed.orgId, listed.id);
    let budget = this.deps.maxPerEndpoint ?? 200;
    while (endpoint?.status === 'active' && budget > 0) {
      if (endpoint.retry && Date.parse(endpoint.retry.nextAttemptAt) > this.deps.clock().getTime()) return;
      const page = await this.deps.events.eventsAfter(endpoint.orgId, endpoint.cursor, PAGE);
      if (page.length === 0) return;
      let passed: string | undefined;
      for (const recorded of page) {
        if (!endpointWants(endpoint, recorded.event)) {
          passed = recorded.key;
          continue;
        }
        passed = undefined;
        const sent = await this.#send(endpoint, recorded);
        budget--;
        if (sent.kind === 'delivered') tally.delivered++;
        if (sent.kind === 'waiting' || sent.kind === 'dead') tally.failed++;
        if (sent.kind === 'waiting') {
          const retry = {
            deliveryId: deliveryIdOf(recorded.key),
            eventKey: recorded.key,
            nextAttemptAt: sent.nextAttemptAt,
          };
          endpoint = await this.#change(endpoint, { retry });
          return;
        }
        endpoint = await this.#advance(
          endpoint,
          recorded.key,
          sent.kind === 'dead' ? { status: 'disabled', disabledReason: DEAD_LETTER_REASON } : {},
        );
        if (endpoint?.status !== 'active' || budget <= 0) return;
      }
      if (passed && endpoint) endpoint = await this.#advance(endpoint, passed, {});
    }
  }

  /** Sends (or sends again) one event and records the outcome under its key. */
  async #send(endpoint: WebhookEndpoint, recorded: RecordedEvent): Promise<Sent> {
    const previous = await this.deps.webhooks.getDelivery(endpoint.id, deliveryIdOf(recorded.key));
    if (previous?.status === 'delivered' || previous?.status === 'dead') return { kind: 'skipped' };
    const now = this.deps.clock();
    if (previous?.nextAttemptAt && Date.parse(previous.nextAttemptAt) > now.getTime()) {
      return { kind: 'waiting', nextAttemptAt: previous.nextAttemptAt };
    }
    const body = previous?.body ?? JSON.stringify(recorded.event);
    const outcome = await this.deps.sender.send(endpoint, body, recorded.event);
    const attempts = (previous?.attempts ?? 0) + 1;
    const firstAttemptAt = previous ? new Date(previous.firstAttemptAt) : outcome.at;
    const decision = outcome.ok ? undefined : afterFailure(firstAttemptAt, outcome.at, attempts, this.#random());
    const status = outcome.ok ? 'delivered' : decision && 'deadLetter' in decision ? 'dead' : 'retrying';
    const nextAttemptAt = decision && 'retryAt' in decision ? decision.retryAt.toISOString() : undefined;
    const attempt = { status, attempts, nextAttemptAt, ...attemptFields(outcome) } as const;
    if (previous) {
      await this.deps.webhooks.updateDelivery(previous, attempt);
    } else {
      await this.deps.webhooks.createDelivery({
        ...newDelivery(endpoint, recorded.key, recorded.event, body, outcome.at),
        ...attempt,
      });
    }
    if (status === 'dead') {
      this.deps.logger.warn('a webhook delivery was dead-lettered; the endpoint is disabled', {
        orgId: endpoint.orgId,
        endpointId: endpoint.id,
        eventId: recorded.event.id,
        attempts,
      });
    }
    return nextAttemptAt ? { kind: 'waiting', nextAttemptAt } : { kind: status === 'dead' ? 'dead' : 'delivered' };
  }

  #random(): number {
    return (this.deps.random ?? Math.random)();
  }

  /** Moves the cursor forward to `key` (never back) and clears the retry, on a fresh read when it changed. */
  #advance(endpoint: WebhookEndpoint, key: string, extra: EndpointChanges): Promise<WebhookEndpoint | undefined> {
    return this.#change(endpoint, { cursor: key, retry: undefined, ...extra }, (fresh) => fresh.cursor < key);
  }

  /**
   * Applies the worker's change; when the endpoint changed meanwhile (a person edited it), applies it again on the
   * fresh record: the API never touches the cursor or the retry, so both changes hold.
   */
  async #change(
    endpoint: WebhookEndpoint,
    changes: EndpointChanges,
    stillNeeded: (fresh: WebhookEndpoint) => boolean = () => true,
  ): Promise<WebhookEndpoint | undefined> {
    let current: WebhookEndpoint | undefined = endpoint;
    for (let attempt = 0; attempt < 5 && current; attempt++) {
      try {
        return await this.deps.webhooks.update(current, { ...changes, updatedAt: this.deps.clock().toISOString() });
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        current = await this.deps.webhooks.get(endpoint.orgId, endpoint.id);
        if (current && !stillNeeded(current)) return current;
      }
    }
    return current;
  }
}

function attemptFields(outcome: AttemptOutcome) {
  return {
    lastAttemptAt: outcome.at.toISOString(),
    responseStatus: outcome.responseStatus,
    latencyMs: outcome.latencyMs,
    error: outcome.error,
  };
}

function newDelivery(
  endpoint: WebhookEndpoint,
  eventKey: string,
  event: PlatformEvent,
  body: string,
  at: Date,
): Omit<
  WebhookDelivery,
  'status' | 'attempts' | 'lastAttemptAt' | 'nextAttemptAt' | 'responseStatus' | 'latencyMs' | 'error'
> {
  return {
    id: deliveryIdOf(eventKey),
    endpointId: endpoint.id,
    orgId: endpoint.orgId,
    eventId: event.id,
    eventType: event.type,
    eventKey,
    body,
    firstAttemptAt: at.toISOString(),
    version: 1,
  };
}
