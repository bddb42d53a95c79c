/**
 * Processes a Stripe webhook delivery (`POST /webhooks/stripe`): verify, skip what was processed already, act,
 * then record the event as processed.
 *
 * Deduplication and crashes: the `STRIPEEVENT#<id>` record is written (conditional put) only after the effect.
 * A crash before the effect leaves no record, so Stripe's redelivery runs the effect; a crash between effect and
 * record makes the redelivery run it again, which is harmless because every effect is idempotent: the account is
 * set to the state of the subscription as Stripe reports it now, by a versioned conditional write that changes
 * nothing the second time, and node callbacks run only for the write that changed the state (or from the pending
 * node action, see node-actions.ts). Recording first and acting after would lose the effect on such a crash.
 *
 * Order: events are only triggers. The subscription (or checkout session) is fetched again from Stripe, and its
 * current status decides the state, so `customer.subscription.updated` before `created` ends the same way.
 */

import { NotFoundError, ServiceUnavailableError } from '../../../shared/errors.ts';
import { BillingDisabledError, type BillingEvent } from '../../../shared/ports/billing-provider.ts';
import type { BillingDeps } from './billing-deps.ts';
import { type SyncOutcome, syncSubscription } from './subscription-sync.ts';

export interface StripeWebhookRequest {
  readonly rawBody: string;
  readonly signatureHeader: string | undefined;
  /** The endpoint's signing secret (`STRIPE_WEBHOOK_SECRET`). */
  readonly secret: string | undefined;
  readonly deps: BillingDeps;
}

export interface WebhookOutcome {
  readonly eventId: string;
  readonly type: string;
  /** `duplicate`: processed before, nothing done; `ignored`: not ours or nothing to do (acknowledged anyway). */
  readonly status: 'processed' | 'duplicate' | 'ignored';
  readonly detail?: string;
}

export const HANDLED_EVENT_TYPES = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
] as const;

/**
 * Throws WebhookSignatureError (400) for a forged, stale or missing signature, BillingDisabledError (404) when
 * billing is off, and lets provider faults through (5xx, so Stripe delivers again later).
 */
export async function handleStripeWebhook(request: StripeWebhookRequest): Promise<WebhookOutcome> {
  const { deps } = request;
  if (!deps.billing.enabled) throw new BillingDisabledError('Billing is off: there are no Stripe webhooks to receive');
  if (!request.secret) throw new ServiceUnavailableError('Stripe webhooks are not configured (no signing secret)');
  const event = await deps.billing.parseWebhook({
    rawBody: request.rawBody,
    signatureHeader: request.signatureHeader,
    secret: request.secret,
    receivedAt: deps.clock(),
  });
  if (await deps.accounts.hasStripeEvent(event.id)) {
    return { eventId: event.id, type: event.type, status: 'duplicate' };
  }
  const result = await processEvent(deps, event);
  // A concurrent delivery may have recorded it first; both ran the same idempotent effect, so either record will do.
  await deps.accounts.recordStripeEvent({ id: event.id, type: event.type, processedAt: deps.clock() });
  const handled = (HANDLED_EVENT_TYPES as readonly string[]).includes(event.type);
  // An event of a kind billing acts on that still changed nothing deserves an operator's look.
  const level = handled && result.status === 'ignored' ? 'warn' : 'info';
  deps.logger[level]('stripe webhook processed', { eventId: event.id, type: event.type, ...result });
  return { eventId: event.id, type: event.type, ...result };
}

type EventResult = Pick<WebhookOutcome, 'status' | 'detail'>;

async function processEvent(deps: BillingDeps, event: BillingEvent): Promise<EventResult> {
  try {
    switch (event.type) {
      case 'checkout.session.completed':
        return await checkoutCompleted(deps, event);
      case 'customer.subscription.created':
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted':
      case 'invoice.paid':
      case 'invoice.payment_failed':
        return await subscriptionChanged(deps, event);
      default:
        return { status: 'ignored', detail: 'Not an event billing acts on' };
    }
  } catch (error) {
    // An object Stripe no longer has cannot be acted on however often the event is delivered.
    if (error instanceof NotFoundError) return { status: 'ignored', detail: error.message };
    throw error;
  }
}

async function checkoutCompleted(deps: BillingDeps, event: BillingEvent): Promise<EventResult> {
  if (!event.checkoutSessionId) return { status: 'ignored', detail: 'The event names no checkout session' };
  const session = await deps.billing.retrieveCheckoutSession(event.checkoutSessionId);
  if (!session.orgId) return { status: 'ignored', detail: 'The checkout session names no organisation' };
  if (!session.subscriptionId) return { status: 'ignored', detail: 'The checkout session has no subscription' };
  const subscription = await deps.billing.retrieveSubscription(session.subscriptionId);
  if (subscription.orgId && subscription.orgId !== session.orgId) {
    return { status: 'ignored', detail: 'The session and its subscription name different organisations' };
  }
  return fromSync(
    await syncSubscription(deps, session.orgId, subscription, {
      planId: session.planId,
      checkoutSessionId: session.id,
    }),
  );
}

async function subscriptionChanged(deps: BillingDeps, event: BillingEvent): Promise<EventResult> {
  // Invoices outside a subscription (one-off) do not change the billing state.
  if (!event.subscriptionId) return { status: 'ignored', detail: 'The event names no subscription' };
  const subscription = await deps.billing.retrieveSubscription(event.subscriptionId);
  if (!subscription.orgId) return { status: 'ignored', detail: 'The subscription names no organisation' };
  return fromSync(await syncSubscription(deps, subscription.orgId, subscription));
}

function fromSync(outcome: SyncOutcome): EventResult {
  switch (outcome.status) {
    case 'changed':
      return { status: 'processed', detail: `${outcome.from} → ${outcome.account.state}` };
    case 'unchanged':
      return { status: 'processed', detail: `unchanged (${outcome.account.state})` };
    case 'ignored':
      return { status: 'ignored', detail: outcome.reason };
  }
}
