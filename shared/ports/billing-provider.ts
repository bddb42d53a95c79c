/**
 * Port for taking payment (docs/architecture.md, "Billing"): customers, Checkout for subscriptions, the customer portal,
 * invoices, usage meter events and the webhooks that report what happened. Implemented by `StripeBilling` (when a
 * Stripe key is configured) and `NoBilling` (billing off: plans activate at once, invoices are estimates).
 *
 * What crosses the port is ours, not Stripe's: ids, statuses and amounts the services need, nothing more.
 */
import type { InvoiceStatus, SubscriptionStatus } from '../domain/billing-state.ts';
import type { NodeSize } from '../domain/node.ts';
import type { PlanId, UsageSummary } from '../domain/plans.ts';
import { BadRequestError, NotFoundError } from '../errors.ts';

export interface BillingCustomerInput {
  readonly orgId: string;
  readonly name: string;
  /** The customer already recorded for the organisation, if any; returned as is. */
  readonly customerId?: string;
  readonly email?: string;
}

export interface CheckoutInput {
  readonly orgId: string;
  readonly customerId: string;
  readonly planId: PlanId;
  readonly successUrl: string;
  readonly cancelUrl: string;
  /** Size of the first managed node the subscription pays for. @default 'small' */
  readonly nodeSize?: NodeSize;
}

export interface CheckoutSession {
  readonly id: string;
  readonly url: string;
}

export interface CheckoutSessionDetails {
  readonly id: string;
  /** From `client_reference_id` (or the session metadata). */
  readonly orgId: string | undefined;
  readonly planId: PlanId | undefined;
  readonly customerId: string | undefined;
  readonly subscriptionId: string | undefined;
  readonly status: 'open' | 'complete' | 'expired';
}

export interface SubscriptionDetails {
  readonly id: string;
  readonly status: SubscriptionStatus;
  readonly customerId: string;
  /** From the subscription metadata `carechain_org`. */
  readonly orgId: string | undefined;
  /** From the subscription's prices (lookup keys), else its metadata. */
  readonly planId: PlanId | undefined;
}

export interface InvoiceLine {
  readonly description: string;
  readonly quantity: number | undefined;
  readonly amountOre: number;
}

export interface Invoice {
  readonly id: string;
  readonly number: string | undefined;
  /** `estimate` when billing is off: what the usage would cost, never a claim for payment. */
  readonly status: InvoiceStatus;
  readonly currency: string;
  readonly totalOre: number;
  readonly amountDueOre: number;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly hostedUrl: string | undefined;
  readonly pdfUrl: string | undefined;
  readonly lines: readonly InvoiceLine[];
}

export interface InvoiceQuery {
  readonly orgId: string;
  readonly customerId: string | undefined;
  readonly planId: PlanId;
  /** The current period's usage; NoBilling estimates from it, StripeBilling does not need it. */
  readonly usage?: UsageSummary;
}

export interface MeterEventInput {
  readonly eventName: string;
  readonly customerId: string;
  /** A whole number in the meter's recorded unit. */
  readonly value: number;
  /** Deterministic per (organisation, meter, hour): the provider refuses a second event with it. */
  readonly identifier: string;
  readonly timestamp: Date;
}

/** `duplicate`: the provider already holds an event with this identifier, which means it was delivered. */
export type MeterEventOutcome = 'sent' | 'duplicate';

export interface WebhookInput {
  readonly rawBody: string;
  readonly signatureHeader: string | undefined;
  readonly secret: string;
  /** When the request arrived; signatures older than the tolerance are refused. */
  readonly receivedAt: Date;
}

/** A verified webhook event, reduced to the ids the services act on. */
export interface BillingEvent {
  readonly id: string;
  readonly type: string;
  readonly created: Date;
  readonly checkoutSessionId: string | undefined;
  readonly subscriptionId: string | undefined;
  readonly customerId: string | undefined;
}

export interface BillingProvider {
  /** False when billing is off: plans activate without payment and invoices are estimates. */
  readonly enabled: boolean;
  /** The organisation's customer, created once (customers carry the organisation id in their metadata). */
  ensureCustomer(org: BillingCustomerInput): Promise<string>;
  createCheckoutSession(input: CheckoutInput): Promise<CheckoutSession>;
  createPortalSession(input: { customerId: string; returnUrl: string }): Promise<{ url: string }>;
  listInvoices(query: InvoiceQuery): Promise<Invoice[]>;
  sendMeterEvent(input: MeterEventInput): Promise<MeterEventOutcome>;
  retrieveSubscription(id: string): Promise<SubscriptionDetails>;
  retrieveCheckoutSession(id: string): Promise<CheckoutSessionDetails>;
  /**
   * Sets the quantities of the subscription's licensed prices (by lookup key), adding an item for a price it does
   * not have yet; changes are prorated. Returns the lookup keys whose quantity changed.
   */
  setSubscriptionQuantities(subscriptionId: string, quantities: Readonly<Record<string, number>>): Promise<string[]>;
  /**
   * Closes a checkout session so it can no longer be paid, and returns it as it ended: `expired`, or `complete`
   * when the customer paid before it could be closed. A session that had already expired is no error.
   */
  expireCheckoutSession(id: string): Promise<CheckoutSessionDetails>;
  /** Verifies a webhook's signature and reads it; a forged, stale or missing signature is a WebhookSignatureError. */
  parseWebhook(input: WebhookInput): Promise<BillingEvent>;
}

/** A webhook whose signature does not verify: refused, and nothing changes. */
export class WebhookSignatureError extends BadRequestError {}

/** Billing is off in this deployment (no Stripe key): there is nothing to pay and no webhooks to receive. */
export class BillingDisabledError extends NotFoundError {}
