/**
 * Verifies a Stripe webhook and reads the ids the billing services act on. The signature (HMAC-SHA256 over the
 * raw body with the endpoint's secret) is checked by the Stripe library with a 300 s tolerance, measured from when
 * the request arrived; the services re-fetch objects from Stripe rather than trusting the payload's snapshot,
 * because events arrive out of order.
 */
import type Stripe from 'stripe';
import type { BillingEvent, WebhookInput } from '../../ports/billing-provider.ts';
import { WebhookSignatureError } from '../../ports/billing-provider.ts';

/** Seconds a signature stays valid; Stripe's own default. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

type Webhooks = Stripe['webhooks'];

export async function verifyStripeWebhook(webhooks: Webhooks, input: WebhookInput): Promise<BillingEvent> {
  if (!input.signatureHeader) throw new WebhookSignatureError('The Stripe-Signature header is missing');
  let event: Stripe.Event;
  try {
    event = await webhooks.constructEventAsync(
      input.rawBody,
      input.signatureHeader,
      input.secret,
      WEBHOOK_TOLERANCE_SECONDS,
      undefined,
      input.receivedAt.getTime(),
    );
  } catch (error) {
    // The library's message says which check failed (no signature, timestamp outside the tolerance), never the secret.
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '').trim() : 'unreadable';
    throw new WebhookSignatureError(`The webhook signature does not verify: ${reason}`, { cause: error });
  }
  return toBillingEvent(event);
}

function toBillingEvent(event: Stripe.Event): BillingEvent {
  const object = event.data.object as unknown as Record<string, unknown>;
  const base = { id: event.id, type: event.type, created: new Date(event.created * 1000) };
  switch (object.object) {
    case 'checkout.session':
      return {
        ...base,
        checkoutSessionId: idOf(object.id),
        subscriptionId: idOf(object.subscription),
        customerId: idOf(object.customer),
      };
    case 'subscription':
      return {
        ...base,
        checkoutSessionId: undefined,
        subscriptionId: idOf(object.id),
        customerId: idOf(object.customer),
      };
    case 'invoice':
      return {
        ...base,
        checkoutSessionId: undefined,
        subscriptionId: subscriptionOfInvoice(object),
        customerId: idOf(object.customer),
      };
    default:
      return { ...base, checkoutSessionId: undefined, subscriptionId: undefined, customerId: idOf(object.customer) };
  }
}

/** Since API version 2025-03-31 an invoice names its subscription under `parent.subscription_details`. */
function subscriptionOfInvoice(invoice: Record<string, unknown>): string | undefined {
  const parent = invoice.parent as { subscription_details?: { subscription?: unknown } | null } | null | undefined;
  return idOf(parent?.subscription_details?.subscription) ?? idOf(invoice.subscription);
}

/** An expandable field is an id or the object itself. */
export function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') {
    return (value as { id: string }).id;
  }
  return undefined;
}
