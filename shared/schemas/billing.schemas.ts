/**
 * Plans, billing accounts, Checkout and invoices as the API shows them (amounts in SEK).
 */
import { z } from '@hono/zod-openapi';
import { BILLING_STATES, INVOICE_STATUSES } from '../domain/billing-state.ts';
import { NODE_SIZES } from '../domain/node.ts';
import { PLAN_IDS } from '../domain/plans.ts';

export const PlanView = z
  .object({
    id: z.enum(PLAN_IDS),
    name: z.string(),
    description: z.string(),
    currency: z.literal('sek'),
    monthlyPriceSek: z.record(z.enum(NODE_SIZES), z.number()),
    includedComputeUnits: z.number(),
    overagePer1000ComputeUnitsSek: z.number(),
    rateLimit: z.object({ requestsPerSecond: z.number(), burst: z.number() }),
    maxBatchSize: z.number(),
    webSocket: z
      .object({ maxConnectionsPerKey: z.number(), maxSubscriptionsPerKey: z.number() })
      .openapi({ description: 'Gateway WebSocket connections per API key, and subscriptions over all of them' }),
    maxSigningKeys: z.number(),
    allowedHostings: z.array(z.string()),
    allowedNodeRoles: z.array(z.string()),
    slaTargetPercent: z.number().nullable(),
    creditLadder: z.array(z.object({ below: z.number(), creditPercent: z.number() })),
  })
  .openapi('Plan');

export const PlanList = z
  .object({
    billingEnabled: z
      .boolean()
      .openapi({ description: 'False on an installation without Stripe: plans activate at once' }),
    items: z.array(PlanView),
  })
  .openapi('PlanList');

export const BillingAccountView = z
  .object({
    orgId: z.string(),
    billingEnabled: z.boolean(),
    planId: z.enum(PLAN_IDS).nullable(),
    state: z.enum(['none', ...BILLING_STATES]).openapi({ description: '`none` until a plan is chosen' }),
    pastDueSince: z.string().nullable(),
    plan: PlanView.nullable(),
  })
  .openapi('BillingAccount');

export const Checkout = z
  .strictObject({ planId: z.enum(PLAN_IDS), nodeSize: z.enum(NODE_SIZES).default('small') })
  .openapi('Checkout');
export const CheckoutResult = z
  .object({
    kind: z.enum(['checkout', 'activated']),
    url: z.string().nullable().openapi({ description: 'Stripe Checkout, when payment is needed' }),
    account: BillingAccountView,
  })
  .openapi('CheckoutResult');

export const InvoiceView = z
  .object({
    id: z.string(),
    number: z.string().nullable(),
    status: z.enum(INVOICE_STATUSES),
    currency: z.string(),
    totalSek: z.number(),
    amountDueSek: z.number(),
    periodStart: z.string(),
    periodEnd: z.string(),
    hostedUrl: z.string().nullable(),
    pdfUrl: z.string().nullable(),
    lines: z.array(z.object({ description: z.string(), quantity: z.number().nullable(), amountSek: z.number() })),
  })
  .openapi('Invoice');

export const InvoiceList = z
  .object({ billingEnabled: z.boolean(), items: z.array(InvoiceView) })
  .openapi('InvoiceList');
export const PortalLink = z.object({ url: z.string() }).openapi('PortalLink');

export type PlanView = z.infer<typeof PlanView>;
export type PlanList = z.infer<typeof PlanList>;
export type BillingAccountView = z.infer<typeof BillingAccountView>;
export type CheckoutResult = z.infer<typeof CheckoutResult>;
export type InvoiceView = z.infer<typeof InvoiceView>;
export type InvoiceList = z.infer<typeof InvoiceList>;
