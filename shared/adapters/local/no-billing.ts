/**
 * Billing off (no Stripe key, docs/architecture.md, "Two modes, one code path"): plans activate at once, usage is still metered, and the
 * only "invoice" is an estimate of what the period's usage would cost under the plan. Everything that would take
 * or report payment says billing is off.
 */
import { estimateCharges, getPlan } from '../../domain/plans.ts';
import {
  BillingDisabledError,
  type BillingEvent,
  type BillingProvider,
  type CheckoutSession,
  type CheckoutSessionDetails,
  type Invoice,
  type InvoiceQuery,
  type MeterEventOutcome,
  type SubscriptionDetails,
} from '../../ports/billing-provider.ts';

const OFF = 'Billing is off in this deployment: plans activate without payment and usage is only estimated';

export class NoBilling implements BillingProvider {
  readonly enabled = false;

  async ensureCustomer(): Promise<string> {
    throw new BillingDisabledError(OFF);
  }

  async createCheckoutSession(): Promise<CheckoutSession> {
    throw new BillingDisabledError(OFF);
  }

  async createPortalSession(): Promise<{ url: string }> {
    throw new BillingDisabledError(OFF);
  }

  /** One estimate for the period of the usage given; none without usage. */
  async listInvoices(query: InvoiceQuery): Promise<Invoice[]> {
    if (!query.usage) return [];
    const estimate = estimateCharges(getPlan(query.planId), query.usage);
    return [
      {
        id: `estimate_${query.orgId}_${estimate.periodStart.slice(0, 10)}`,
        number: undefined,
        status: 'estimate',
        currency: 'sek',
        totalOre: estimate.totalOre,
        amountDueOre: 0,
        periodStart: estimate.periodStart,
        periodEnd: estimate.periodEnd,
        hostedUrl: undefined,
        pdfUrl: undefined,
        lines: estimate.lines.map((line) => ({
          description: line.description,
          quantity: line.quantity,
          amountOre: line.amountOre,
        })),
      },
    ];
  }

  async sendMeterEvent(): Promise<MeterEventOutcome> {
    throw new BillingDisabledError(OFF);
  }

  async retrieveSubscription(): Promise<SubscriptionDetails> {
    throw new BillingDisabledError(OFF);
  }

  async retrieveCheckoutSession(): Promise<CheckoutSessionDetails> {
    throw new BillingDisabledError(OFF);
  }

  async setSubscriptionQuantities(): Promise<string[]> {
    throw new BillingDisabledError(OFF);
  }

  async expireCheckoutSession(): Promise<CheckoutSessionDetails> {
    throw new BillingDisabledError(OFF);
  }

  async parseWebhook(): Promise<BillingEvent> {
    throw new BillingDisabledError(OFF);
  }
}
