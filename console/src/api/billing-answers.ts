/**
 * The billing answers (plans, the billing account, checkout, portal, invoices), read with the same zod schemas the
 * server answers with (shared/schemas/billing.schemas.ts), and summed up for the billing and plan pages. An answer
 * that is missing (still loading) or does not fit the schema reads as nothing, so a page shows its empty state
 * rather than half-read fields.
 */
import type { z } from 'zod';
import {
  BillingAccountView,
  CheckoutResult,
  InvoiceList,
  PlanList,
  PortalLink,
} from '../../../shared/schemas/billing.schemas.ts';

function parsed<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> | undefined {
  if (value === undefined) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) {
    console.warn('The server answered in a shape this console does not know', result.error.issues);
    return undefined;
  }
  return result.data;
}

export interface PlanSummary {
  readonly id: string;
  readonly name: string;
  readonly description: string | undefined;
  /** Monthly price of the smallest managed node, in SEK; 0 for a free plan. */
  readonly monthlyFromSek: number | undefined;
  readonly includedComputeUnits: number | undefined;
  readonly slaTargetPercent: number | undefined;
}

export interface PlanCatalogue {
  readonly plans: readonly PlanSummary[];
  /** False on an installation without payment: plans activate at once and nothing is charged. */
  readonly billingEnabled: boolean | undefined;
}

export function readPlans(value: unknown): PlanCatalogue {
  const catalogue = parsed(PlanList, value);
  if (!catalogue) return { plans: [], billingEnabled: undefined };
  const plans = catalogue.items.map((plan) => {
    const prices = Object.values(plan.monthlyPriceSek);
    return {
      id: plan.id,
      name: plan.name,
      description: plan.description || undefined,
      monthlyFromSek: prices.length ? Math.min(...prices) : undefined,
      includedComputeUnits: plan.includedComputeUnits,
      slaTargetPercent: plan.slaTargetPercent ?? undefined,
    };
  });
  return { plans, billingEnabled: catalogue.billingEnabled };
}

/** A checkout answer: a URL to pay at, or the plan is active already (free plan, or billing off). */
export function readCheckout(value: unknown): { readonly url: string | undefined; readonly activated: boolean } {
  const result = parsed(CheckoutResult, value);
  const url = result?.url ?? undefined;
  return { url, activated: !url || result?.kind === 'activated' };
}

export function readRedirectUrl(value: unknown): string | undefined {
  return parsed(PortalLink, value)?.url;
}

export interface BillingSummary {
  readonly planId: string | undefined;
  readonly planName: string | undefined;
  readonly state: string | undefined;
  readonly billingEnabled: boolean | undefined;
}

export function readBillingSummary(value: unknown): BillingSummary | undefined {
  const account = parsed(BillingAccountView, value);
  if (!account) return undefined;
  return {
    planId: account.planId ?? undefined,
    planName: account.plan?.name,
    state: account.state,
    billingEnabled: account.billingEnabled,
  };
}

export interface InvoiceSummary {
  readonly id: string;
  readonly number: string | undefined;
  readonly status: string;
  /** In the invoice's currency's main unit (SEK, not öre). */
  readonly total: number | undefined;
  readonly currency: string;
  readonly periodStart: string | undefined;
  readonly periodEnd: string | undefined;
  readonly url: string | undefined;
}

export function readInvoices(value: unknown): InvoiceSummary[] {
  return (parsed(InvoiceList, value)?.items ?? []).map((invoice) => ({
    id: invoice.id,
    number: invoice.number ?? undefined,
    status: invoice.status,
    total: invoice.totalSek,
    currency: invoice.currency.toUpperCase(),
    periodStart: invoice.periodStart,
    periodEnd: invoice.periodEnd,
    url: invoice.hostedUrl ?? invoice.pdfUrl ?? undefined,
  }));
}
