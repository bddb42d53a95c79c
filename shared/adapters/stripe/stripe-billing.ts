/**
 * BillingProvider on Stripe Billing: one client per process, customers tagged with `metadata[carechain_org]`,
 * Checkout in subscription mode with the plan's prices found by lookup key (so the catalogue names prices and
 * Stripe holds the amounts), the customer portal, invoices, meter events and verified webhooks.
 *
 * The client retries network faults a few times with Stripe's own backoff and idempotency keys; `host`, `port`
 * and `protocol` point it at a local fake in tests.
 */
import type Stripe from 'stripe';
import { catalogueKeyOf } from '../../domain/billing-catalogue-plan.ts';
import type { SubscriptionStatus } from '../../domain/billing-state.ts';
import { getPlan, isPlanId, type PlanId, planOfLookupKey } from '../../domain/plans.ts';
import { ServiceUnavailableError, UpstreamError, ValidationError } from '../../errors.ts';
import type {
  BillingCustomerInput,
  BillingEvent,
  BillingProvider,
  CheckoutInput,
  CheckoutSession,
  CheckoutSessionDetails,
  Invoice,
  InvoiceQuery,
  MeterEventInput,
  MeterEventOutcome,
  SubscriptionDetails,
  WebhookInput,
} from '../../ports/billing-provider.ts';
import { callStripe, createStripeClient, type StripeClient, type StripeClientOptions } from './stripe-client.ts';
import { isDuplicateMeterEvent, isInactivePriceRefusal, isStripeError, toAppError } from './stripe-errors.ts';
import { idOf, verifyStripeWebhook } from './stripe-webhook-event.ts';

export interface StripeBillingOptions extends StripeClientOptions {
  /** How long a price found by lookup key is reused. @default 600000 (10 minutes) */
  readonly priceCacheMs?: number;
  readonly clock?: () => Date;
}

/** The metadata key that ties Stripe objects to an organisation. */
export const ORG_METADATA_KEY = 'carechain_org';
export const PLAN_METADATA_KEY = 'carechain_plan';

const SEARCHABLE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = [
  'active',
  'trialing',
  'past_due',
  'unpaid',
  'canceled',
  'incomplete',
  'incomplete_expired',
  'paused',
];
const INVOICE_STATUSES = ['draft', 'open', 'paid', 'uncollectible', 'void'] as const;

export class StripeBilling implements BillingProvider {
  readonly enabled = true;
  private readonly stripe: StripeClient;
  private readonly prices = new Map<string, { id: string; cachedAt: number }>();
  private readonly priceCacheMs: number;
  private readonly clock: () => Date;

  constructor(options: StripeBillingOptions) {
    this.stripe = createStripeClient(options);
    this.priceCacheMs = options.priceCacheMs ?? 600_000;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Finds the organisation's customer by metadata before creating one, and creates with an idempotency key per
   * organisation: Stripe's search lags behind writes, and the key makes a quick second call return the same
   * customer instead of a twin.
   */
  async ensureCustomer(org: BillingCustomerInput): Promise<string> {
    if (org.customerId) return org.customerId;
    if (!SEARCHABLE_ID.test(org.orgId)) throw new ValidationError('Not an organisation id');
    return this.call('find or create the customer', async (stripe) => {
      const found = await stripe.customers.search({
        query: `metadata['${ORG_METADATA_KEY}']:'${org.orgId}'`,
        limit: 1,
      });
      const existing = found.data[0];
      if (existing) return existing.id;
      const created = await stripe.customers.create(
        { name: org.name, email: org.email, metadata: { [ORG_METADATA_KEY]: org.orgId } },
        { idempotencyKey: `carechain-customer-${org.orgId}` },
      );
      return created.id;
    });
  }

  async createCheckoutSession(input: CheckoutInput): Promise<CheckoutSession> {
    const plan = getPlan(input.planId);
    if (!plan.stripePrices) throw new ValidationError(`The ${plan.name} plan is free and needs no checkout`);
    const lookupKeys = [plan.stripePrices.nodeMonthly[input.nodeSize ?? 'small'], plan.stripePrices.computeUnitOverage];
    const metadata = { [ORG_METADATA_KEY]: input.orgId, [PLAN_METADATA_KEY]: plan.id };
    const session = await this.call('create a checkout session', (stripe) =>
      this.withCurrentPrices(lookupKeys, ([nodePrice, computePrice]) =>
        stripe.checkout.sessions.create({
          mode: 'subscription',
          customer: input.customerId,
          client_reference_id: input.orgId,
          line_items: [{ price: nodePrice, quantity: 1 }, { price: computePrice }],
          success_url: input.successUrl,
          cancel_url: input.cancelUrl,
          metadata,
          subscription_data: { metadata },
        }),
      ),
    );
    if (!session.url) throw new UpstreamError('Stripe returned a checkout session without a URL');
    return { id: session.id, url: session.url };
  }

  async createPortalSession(input: { customerId: string; returnUrl: string }): Promise<{ url: string }> {
    const session = await this.call('create a portal session', (stripe) =>
      stripe.billingPortal.sessions.create({ customer: input.customerId, return_url: input.returnUrl }),
    );
    return { url: session.url };
  }

  async listInvoices(query: InvoiceQuery): Promise<Invoice[]> {
    const { customerId } = query;
    if (!customerId) return [];
    const list = await this.call('list invoices', (stripe) =>
      stripe.invoices.list({ customer: customerId, limit: 24 }),
    );
    return list.data.map(toInvoice);
  }

  async sendMeterEvent(input: MeterEventInput): Promise<MeterEventOutcome> {
    try {
      const stripe = await this.stripe();
      await stripe.billing.meterEvents.create({
        event_name: input.eventName,
        payload: { stripe_customer_id: input.customerId, value: String(input.value) },
        identifier: input.identifier,
        timestamp: Math.floor(input.timestamp.getTime() / 1000),
      });
      return 'sent';
    } catch (error) {
      if (isDuplicateMeterEvent(error)) return 'duplicate';
      throw toAppError(error, 'send a meter event');
    }
  }

  async retrieveSubscription(id: string): Promise<SubscriptionDetails> {
    const subscription = await this.call('retrieve a subscription', (stripe) => stripe.subscriptions.retrieve(id));
    const status = subscription.status as SubscriptionStatus;
    if (!SUBSCRIPTION_STATUSES.includes(status)) {
      throw new UpstreamError(`Stripe reported an unknown subscription status: ${subscription.status}`);
    }
    const metadata = subscription.metadata ?? {};
    const customerId = idOf(subscription.customer);
    if (!customerId) throw new UpstreamError('Stripe returned a subscription without a customer');
    return {
      id: subscription.id,
      status,
      customerId,
      orgId: metadata[ORG_METADATA_KEY] || undefined,
      planId: planOfSubscription(subscription) ?? planFromMetadata(metadata[PLAN_METADATA_KEY]),
    };
  }

  async setSubscriptionQuantities(
    subscriptionId: string,
    quantities: Readonly<Record<string, number>>,
  ): Promise<string[]> {
    const subscription = await this.call('retrieve a subscription', (stripe) =>
      stripe.subscriptions.retrieve(subscriptionId),
    );
    const changed: string[] = [];
    for (const [lookupKey, quantity] of Object.entries(quantities)) {
      if (!Number.isSafeInteger(quantity) || quantity < 0) {
        throw new ValidationError(`A subscription quantity is a whole number of at least 0, not ${quantity}`);
      }
      const item = subscriptionItemFor(subscription, lookupKey);
      if (item) {
        if ((item.quantity ?? 0) === quantity) continue;
        await this.call('change a subscription quantity', (stripe) =>
          stripe.subscriptionItems.update(item.id, {
            quantity,
            proration_behavior: 'create_prorations',
          }),
        );
      } else {
        if (quantity === 0) continue;
        await this.call('add a subscription item', (stripe) =>
          this.withCurrentPrices([lookupKey], ([price]) =>
            stripe.subscriptionItems.create({
              subscription: subscriptionId,
              price,
              quantity,
              proration_behavior: 'create_prorations',
            }),
          ),
        );
      }
      changed.push(lookupKey);
    }
    return changed;
  }

  async expireCheckoutSession(id: string): Promise<CheckoutSessionDetails> {
    try {
      const stripe = await this.stripe();
      return toCheckoutSessionDetails(await stripe.checkout.sessions.expire(id));
    } catch (error) {
      // Stripe refuses to expire a session that is no longer open; what it became is the answer.
      if (!isStripeError(error, 'StripeInvalidRequestError') || error.statusCode === 404) {
        throw toAppError(error, 'expire a checkout session');
      }
      const session = await this.retrieveCheckoutSession(id);
      if (session.status === 'open') throw toAppError(error, 'expire a checkout session');
      return session;
    }
  }

  async retrieveCheckoutSession(id: string): Promise<CheckoutSessionDetails> {
    const session = await this.call('retrieve a checkout session', (stripe) => stripe.checkout.sessions.retrieve(id));
    return toCheckoutSessionDetails(session);
  }

  async parseWebhook(input: WebhookInput): Promise<BillingEvent> {
    const stripe = await this.stripe();
    return verifyStripeWebhook(stripe.webhooks, input);
  }

  /**
   * Runs a request with the current prices of these lookup keys. A price cached before a catalogue sync replaced
   * it is archived, and Stripe refuses it: the keys are looked up afresh and the request is made once more.
   */
  private async withCurrentPrices<T>(lookupKeys: readonly string[], request: (priceIds: string[]) => Promise<T>) {
    try {
      return await request(await this.priceIds(lookupKeys));
    } catch (error) {
      if (!isInactivePriceRefusal(error)) throw error;
      for (const key of lookupKeys) this.prices.delete(key);
      return request(await this.priceIds(lookupKeys));
    }
  }

  /** Price ids for lookup keys, in order; a key without an active price is a configuration fault (503). */
  private async priceIds(lookupKeys: readonly string[]): Promise<string[]> {
    const now = this.clock().getTime();
    const missing = lookupKeys.filter((key) => {
      const cached = this.prices.get(key);
      return !cached || now - cached.cachedAt > this.priceCacheMs;
    });
    if (missing.length > 0) {
      const list = await this.call('look up prices', (stripe) =>
        stripe.prices.list({ lookup_keys: missing, active: true, limit: 10 }),
      );
      for (const price of list.data) {
        if (price.lookup_key) this.prices.set(price.lookup_key, { id: price.id, cachedAt: now });
      }
    }
    return lookupKeys.map((key) => {
      const cached = this.prices.get(key);
      if (!cached) {
        throw new ServiceUnavailableError(
          `Stripe has no active price with lookup key ${key}: the Stripe catalogue is not set up ` +
            '(an operator runs `npm run billing:sync`; README, "Switching billing on")',
        );
      }
      return cached.id;
    });
  }

  private call<T>(action: string, request: (stripe: Stripe) => Promise<T>): Promise<T> {
    return callStripe(this.stripe, action, request);
  }
}

/** The catalogue key of an item's price: its lookup key, or the one it was created for if the key moved on. */
function catalogueKeyOfItem(item: Stripe.SubscriptionItem): string | undefined {
  const price = item.price;
  if (!price) return undefined;
  return catalogueKeyOf({ lookupKey: price.lookup_key ?? undefined, metadata: price.metadata ?? {} });
}

/**
 * The subscription's item for a catalogue key. A subscription that started before a price change keeps its old
 * price, whose lookup key has moved to the new price: its seats still change on that item, at the price it has.
 */
function subscriptionItemFor(subscription: Stripe.Subscription, lookupKey: string) {
  const items = subscription.items?.data ?? [];
  return (
    items.find((item) => item.price?.lookup_key === lookupKey) ??
    items.find((item) => catalogueKeyOfItem(item) === lookupKey)
  );
}

function planOfSubscription(subscription: Stripe.Subscription): PlanId | undefined {
  for (const item of subscription.items?.data ?? []) {
    const lookupKey = catalogueKeyOfItem(item);
    const plan = lookupKey ? planOfLookupKey(lookupKey) : undefined;
    if (plan) return plan.id;
  }
  return undefined;
}

function toCheckoutSessionDetails(session: Stripe.Checkout.Session): CheckoutSessionDetails {
  const metadata = session.metadata ?? {};
  const status = session.status === 'complete' ? 'complete' : session.status === 'expired' ? 'expired' : 'open';
  return {
    id: session.id,
    orgId: session.client_reference_id || metadata[ORG_METADATA_KEY] || undefined,
    planId: planFromMetadata(metadata[PLAN_METADATA_KEY]),
    customerId: idOf(session.customer),
    subscriptionId: idOf(session.subscription),
    status,
  };
}

function planFromMetadata(value: string | undefined): PlanId | undefined {
  return value && isPlanId(value) ? value : undefined;
}

function toInvoice(invoice: Stripe.Invoice): Invoice {
  const status = INVOICE_STATUSES.find((known) => known === invoice.status) ?? 'draft';
  return {
    id: invoice.id,
    number: invoice.number ?? undefined,
    status,
    currency: invoice.currency,
    totalOre: invoice.total,
    amountDueOre: invoice.amount_due,
    periodStart: new Date(invoice.period_start * 1000).toISOString(),
    periodEnd: new Date(invoice.period_end * 1000).toISOString(),
    hostedUrl: invoice.hosted_invoice_url ?? undefined,
    pdfUrl: invoice.invoice_pdf ?? undefined,
    lines: (invoice.lines?.data ?? []).map((line) => ({
      description: line.description ?? '',
      quantity: line.quantity ?? undefined,
      amountOre: line.amount,
    })),
  };
}
