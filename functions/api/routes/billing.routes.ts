/**
 * Plans, the organisation's billing account, Checkout and the Customer Portal, invoices (Stripe's, or an estimate
 * when billing is off). Stripe's webhooks are a separate app (`createStripeWebhookApp`): in AWS they are their own
 * function, and they carry no user credentials.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { NODE_SIZES, type NodeSize } from '../../../shared/domain/node.ts';
import { getPlan, PLANS, type Plan } from '../../../shared/domain/plans.ts';
import { lazyOnce } from '../../../shared/lazy-once.ts';
import {
  BillingAccountView,
  Checkout,
  CheckoutResult,
  InvoiceList,
  PlanList,
  PortalLink,
} from '../../../shared/schemas/billing.schemas.ts';
import { OrgId } from '../../../shared/schemas/common.schemas.ts';
import { monthToDateUsage } from '../../services/billing/usage-estimate.ts';
import { accessGuards, audit, inTenant, requestingUser } from '../access.ts';
import type { GuardDeps, RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonBody, jsonResponse, security, userSecurity } from '../route-helpers.ts';

/** Checkout, the billing portal and invoices: a few of the API's requests, so their code loads with the first. */
const checkout = lazyOnce(() => import('../../services/billing/billing-checkout.service.ts'));

const sek = (ore: number) => ore / 100;

export function toPlanView(plan: Plan) {
  return {
    id: plan.id,
    name: plan.name,
    description: plan.description,
    currency: plan.currency,
    monthlyPriceSek: Object.fromEntries(NODE_SIZES.map((size) => [size, sek(plan.monthlyPriceOre[size])])) as Record<
      NodeSize,
      number
    >,
    includedComputeUnits: plan.includedComputeUnits,
    overagePer1000ComputeUnitsSek: sek(plan.overagePer1000ComputeUnitsOre),
    rateLimit: plan.rateLimit,
    maxBatchSize: plan.maxBatchSize,
    webSocket: plan.webSocket,
    maxSigningKeys: plan.maxSigningKeys,
    allowedHostings: [...plan.allowedHostings],
    allowedNodeRoles: [...plan.allowedNodeRoles],
    slaTargetPercent: plan.slaTargetPercent ?? null,
    creditLadder: [...plan.creditLadder],
  };
}

export type BillingRouteDeps = RouteDeps<
  'billing' | 'clock' | 'config' | 'usageRecords' | GuardDeps,
  'organisations' | 'audit'
>;

export function registerBillingRoutes(app: OpenAPIHono<AppEnv>, deps: BillingRouteDeps) {
  const { orgAccess } = accessGuards(deps);
  const billing = deps.billing;
  const accountView = async (orgId: string) => {
    const account = await billing.accounts.get(orgId);
    return {
      orgId,
      billingEnabled: billing.billing.enabled,
      planId: account?.planId ?? null,
      state: account?.state ?? ('none' as const),
      pastDueSince: account?.pastDueSince ?? null,
      plan: account ? toPlanView(getPlan(account.planId)) : null,
    };
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/plans',
      tags: ['billing'],
      summary: 'The plan catalogue (prices in SEK) and whether billing is on',
      responses: { 200: jsonResponse(PlanList, 'Plans') },
    }),
    (c) => c.json({ billingEnabled: billing.billing.enabled, items: PLANS.map(toPlanView) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/billing',
      tags: ['billing'],
      summary: 'The organisation’s plan and billing state',
      security,
      middleware: orgAccess('viewer'),
      request: { params: z.object({ orgId: OrgId }) },
      responses: { 200: jsonResponse(BillingAccountView, 'Billing account'), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      return c.json(await accountView(orgId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/billing/checkout',
      tags: ['billing'],
      summary: 'Choose a plan: a Stripe Checkout URL for paid plans, or activated at once (free plan, billing off)',
      security: userSecurity,
      middleware: orgAccess('admin', { usersOnly: true }),
      request: { params: z.object({ orgId: OrgId }), ...jsonBody(Checkout) },
      responses: {
        200: jsonResponse(CheckoutResult, 'Activated'),
        201: jsonResponse(CheckoutResult, 'Pay at the URL'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      const access = c.var.access;
      const user = requestingUser(c);
      const base = deps.config.publicUrl ?? new URL(c.req.url).origin;
      const { choosePlan } = await checkout();
      const result = await choosePlan(billing, {
        orgId,
        orgName: access.org.name,
        email: user.email,
        planId: body.planId,
        nodeSize: body.nodeSize,
        successUrl: `${base}/billing?checkout=success`,
        cancelUrl: `${base}/billing?checkout=canceled`,
      });
      await audit(c, deps, {
        orgId,
        actor: access.actor,
        action: result.kind === 'checkout' ? 'billing.checkout-started' : 'billing.plan-activated',
        target: orgId,
        details: { planId: body.planId },
      });
      const view = {
        kind: result.kind,
        url: result.kind === 'checkout' ? result.url : null,
        account: await accountView(orgId),
      };
      return result.kind === 'checkout' ? c.json(view, 201) : c.json(view, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/billing/portal',
      tags: ['billing'],
      summary: 'A Stripe Customer Portal link (payment methods, invoices, cancellation)',
      security: userSecurity,
      middleware: orgAccess('admin', { usersOnly: true }),
      request: { params: z.object({ orgId: OrgId }) },
      responses: { 200: jsonResponse(PortalLink, 'Link'), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const base = deps.config.publicUrl ?? new URL(c.req.url).origin;
      const { openBillingPortal } = await checkout();
      return c.json(await openBillingPortal(billing, { orgId, returnUrl: `${base}/billing` }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/invoices',
      tags: ['billing'],
      summary: 'Invoices from Stripe, or this month’s estimate when billing is off',
      security,
      middleware: orgAccess('viewer'),
      request: { params: z.object({ orgId: OrgId }) },
      responses: {
        200: jsonResponse(InvoiceList, 'Invoices'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const usage = billing.billing.enabled
        ? undefined
        : await monthToDateUsage(inTenant(c, deps).usageRecords, orgId, deps.clock);
      const { listInvoices } = await checkout();
      const invoices = await listInvoices(billing, { orgId, usage });
      return c.json(
        {
          billingEnabled: billing.billing.enabled,
          items: invoices.map((invoice) => ({
            id: invoice.id,
            number: invoice.number ?? null,
            status: invoice.status,
            currency: invoice.currency,
            totalSek: sek(invoice.totalOre),
            amountDueSek: sek(invoice.amountDueOre),
            periodStart: invoice.periodStart,
            periodEnd: invoice.periodEnd,
            hostedUrl: invoice.hostedUrl ?? null,
            pdfUrl: invoice.pdfUrl ?? null,
            lines: invoice.lines.map((line) => ({
              description: line.description,
              quantity: line.quantity ?? null,
              amountSek: sek(line.amountOre),
            })),
          })),
        },
        200,
      );
    },
  );
}
