import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBillingAdmission } from '../../../functions/services/billing/billing-admission.ts';
import {
  type ChoosePlanInput,
  choosePlan,
  listInvoices,
  openBillingPortal,
} from '../../../functions/services/billing/billing-checkout.service.ts';
import type { BillingDeps } from '../../../functions/services/billing/billing-deps.ts';
import { handleStripeWebhook } from '../../../functions/services/billing/stripe-webhook.service.ts';
import { NoBilling } from '../../../shared/adapters/local/no-billing.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { ConflictError, NotFoundError, PaymentRequiredError } from '../../../shared/errors.ts';
import { BillingDisabledError } from '../../../shared/ports/billing-provider.ts';
import { type BillingFixture, startBillingFixture, WEBHOOK_SECRET } from './billing-fixture.ts';

let f: BillingFixture;
let off: BillingDeps;
beforeEach(async () => {
  f = await startBillingFixture();
  off = { ...f.deps, billing: new NoBilling() };
});
afterEach(async () => {
  await f?.close();
});

function input(orgId: string, planId: string): ChoosePlanInput {
  return {
    orgId,
    orgName: 'Vårdcentral Norr',
    planId,
    successUrl: 'https://console.carechain.se/billing/done',
    cancelUrl: 'https://console.carechain.se/billing',
  };
}

async function payCheckout(sessionId: string) {
  const subscription = f.stripe.completeCheckout(sessionId);
  const event = f.stripe.event('checkout.session.completed', f.stripe.checkoutSessions.get(sessionId) ?? {});
  await handleStripeWebhook({ ...f.stripe.sign(event, WEBHOOK_SECRET), secret: WEBHOOK_SECRET, deps: f.deps });
  return String(subscription.id);
}

describe('choosing a plan', () => {
  it('activates any plan at once when billing is off, without calling Stripe', async () => {
    const orgId = newId('org');
    const result = await choosePlan(off, input(orgId, 'managed-validator'));
    expect(result).toMatchObject({ kind: 'activated', account: { state: 'active', planId: 'managed-validator' } });

    await choosePlan(off, input(orgId, 'enterprise'));
    expect(await f.accounts.get(orgId)).toMatchObject({ state: 'active', planId: 'enterprise', version: 2 });
    expect(f.stripe.requests).toEqual([]);
  });

  it('activates the free plan at once when billing is on', async () => {
    const orgId = newId('org');
    const result = await choosePlan(f.deps, input(orgId, 'self-hosted'));
    expect(result).toMatchObject({ kind: 'activated', account: { state: 'active', planId: 'self-hosted' } });
    expect(f.stripe.requests).toEqual([]);
  });

  it('refuses a plan that does not exist', async () => {
    await expect(choosePlan(f.deps, input(newId('org'), 'platinum'))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('keeps a free plan until the paid one is paid for', async () => {
    const orgId = newId('org');
    await choosePlan(f.deps, input(orgId, 'self-hosted'));
    const result = await choosePlan(f.deps, input(orgId, 'enterprise'));
    if (result.kind !== 'checkout') throw new Error('expected a checkout');
    expect(await f.accounts.get(orgId)).toMatchObject({ state: 'active', planId: 'self-hosted' });

    await payCheckout(result.sessionId);

    expect(await f.accounts.get(orgId)).toMatchObject({ state: 'active', planId: 'enterprise' });
  });

  it('sends a subscribed organisation to the portal instead of a second subscription', async () => {
    const orgId = newId('org');
    const result = await choosePlan(f.deps, input(orgId, 'managed-member'));
    if (result.kind !== 'checkout') throw new Error('expected a checkout');
    await payCheckout(result.sessionId);

    await expect(choosePlan(f.deps, input(orgId, 'enterprise'))).rejects.toBeInstanceOf(ConflictError);
    await expect(choosePlan(f.deps, input(orgId, 'self-hosted'))).rejects.toBeInstanceOf(ConflictError);
  });

  it('starts over with a new subscription after a cancellation', async () => {
    const orgId = newId('org');
    const first = await choosePlan(f.deps, input(orgId, 'managed-member'));
    if (first.kind !== 'checkout') throw new Error('expected a checkout');
    const oldSubscription = await payCheckout(first.sessionId);
    const canceled = f.stripe.setSubscriptionStatus(oldSubscription, 'canceled');
    const deleted = f.stripe.event('customer.subscription.deleted', canceled);
    await handleStripeWebhook({ ...f.stripe.sign(deleted, WEBHOOK_SECRET), secret: WEBHOOK_SECRET, deps: f.deps });
    expect((await f.accounts.get(orgId))?.state).toBe('canceled');

    const again = await choosePlan(f.deps, input(orgId, 'managed-validator'));
    if (again.kind !== 'checkout') throw new Error('expected a checkout');
    expect(await f.accounts.get(orgId)).toMatchObject({ state: 'pending_payment', subscriptionId: undefined });
    const newSubscription = await payCheckout(again.sessionId);

    expect(await f.accounts.get(orgId)).toMatchObject({
      state: 'active',
      planId: 'managed-validator',
      subscriptionId: newSubscription,
    });
    expect(f.stripe.requestsTo('POST', '/v1/customers')).toHaveLength(1);
  });
});

describe('one open Checkout per organisation', () => {
  it('expires the earlier Checkout when a new one opens, so only the newest can be paid', async () => {
    const orgId = newId('org');
    const first = await choosePlan(f.deps, input(orgId, 'managed-member'));
    const second = await choosePlan(f.deps, input(orgId, 'managed-validator'));
    if (first.kind !== 'checkout' || second.kind !== 'checkout') throw new Error('expected checkouts');
    expect(second.sessionId).not.toBe(first.sessionId);
    expect(f.stripe.checkoutSessions.get(first.sessionId)?.status).toBe('expired');
    expect(f.stripe.requestsTo('POST', `/v1/checkout/sessions/${first.sessionId}/expire`)).toHaveLength(1);
    expect(() => f.stripe.completeCheckout(first.sessionId)).toThrow(/expired/);
    expect(await f.accounts.get(orgId)).toMatchObject({ openCheckoutSessionId: second.sessionId });

    await payCheckout(second.sessionId);
    const account = await f.accounts.get(orgId);
    expect(account).toMatchObject({ state: 'active', planId: 'managed-validator' });
    expect(account?.openCheckoutSessionId).toBeUndefined();
  });

  it('opens no second Checkout while a payment that just completed is on its way in', async () => {
    const orgId = newId('org');
    const first = await choosePlan(f.deps, input(orgId, 'managed-member'));
    if (first.kind !== 'checkout') throw new Error('expected a checkout');
    // Paid at Stripe; the webhook has not arrived yet.
    f.stripe.completeCheckout(first.sessionId);
    const sessionsBefore = f.stripe.checkoutSessions.size;

    await expect(choosePlan(f.deps, input(orgId, 'enterprise'))).rejects.toThrow(/just completed/);
    expect(f.stripe.checkoutSessions.size).toBe(sessionsBefore);
    const event = f.stripe.event('checkout.session.completed', f.stripe.checkoutSessions.get(first.sessionId) ?? {});
    await handleStripeWebhook({ ...f.stripe.sign(event, WEBHOOK_SECRET), secret: WEBHOOK_SECRET, deps: f.deps });
    expect(await f.accounts.get(orgId)).toMatchObject({ state: 'active', planId: 'managed-member' });
  });

  it('leaves exactly one payable Checkout when two are opened at the same time', async () => {
    const orgId = newId('org');
    await choosePlan(f.deps, input(orgId, 'self-hosted'));
    const results = await Promise.all([
      choosePlan(f.deps, input(orgId, 'managed-member')),
      choosePlan(f.deps, input(orgId, 'managed-validator')),
      choosePlan(f.deps, input(orgId, 'enterprise')),
    ]);
    const opened = results.flatMap((result) => (result.kind === 'checkout' ? [result.sessionId] : []));
    expect(opened).toHaveLength(3);
    const open = opened.filter((id) => f.stripe.checkoutSessions.get(id)?.status === 'open');
    expect(open).toHaveLength(1);
    expect((await f.accounts.get(orgId))?.openCheckoutSessionId).toBe(open[0]);
  });

  it('opens a new Checkout when the subscription the earlier one paid for has already ended', async () => {
    const orgId = newId('org');
    const first = await choosePlan(f.deps, input(orgId, 'managed-member'));
    if (first.kind !== 'checkout') throw new Error('expected a checkout');
    const subscription = f.stripe.completeCheckout(first.sessionId);
    // Canceled at Stripe before the account ever adopted it (its webhooks never arrived).
    f.stripe.setSubscriptionStatus(String(subscription.id), 'canceled');
    expect((await f.accounts.get(orgId))?.state).toBe('pending_payment');

    const again = await choosePlan(f.deps, input(orgId, 'managed-validator'));
    if (again.kind !== 'checkout') throw new Error('expected a checkout');
    expect(f.stripe.checkoutSessions.get(again.sessionId)?.status).toBe('open');
    expect(await f.accounts.get(orgId)).toMatchObject({ openCheckoutSessionId: again.sessionId });
  });
});

describe('portal and invoices', () => {
  it('opens the portal for an organisation with a customer only', async () => {
    const orgId = newId('org');
    await expect(openBillingPortal(f.deps, { orgId, returnUrl: 'https://a.se' })).rejects.toBeInstanceOf(NotFoundError);
    await choosePlan(f.deps, input(orgId, 'managed-member'));
    expect((await openBillingPortal(f.deps, { orgId, returnUrl: 'https://a.se' })).url).toMatch(/\/portal\//);
    await expect(openBillingPortal(off, { orgId, returnUrl: 'https://a.se' })).rejects.toBeInstanceOf(
      BillingDisabledError,
    );
  });

  it('lists an estimate when billing is off and Stripe invoices when it is on', async () => {
    const orgId = newId('org');
    expect(await listInvoices(off, { orgId })).toEqual([]);
    await choosePlan(off, input(orgId, 'managed-member'));
    const usage = {
      periodStart: '2026-11-01T00:00:00.000Z',
      periodEnd: '2026-12-01T00:00:00.000Z',
      computeUnits: 50_000_000,
      nodeHours: { small: 730 },
    };
    const [estimate] = await listInvoices(off, { orgId, usage });
    expect(estimate).toMatchObject({ status: 'estimate', totalOre: 290_000, amountDueOre: 0 });

    const paying = newId('org');
    const result = await choosePlan(f.deps, input(paying, 'managed-member'));
    if (result.kind !== 'checkout') throw new Error('expected a checkout');
    await payCheckout(result.sessionId);
    const invoices = await listInvoices(f.deps, { orgId: paying, usage });
    expect(invoices).toEqual([expect.objectContaining({ status: 'paid', currency: 'sek' })]);
  });
});

describe('admission of new nodes', () => {
  it('asks for a plan first unless a default plan applies', async () => {
    const orgId = newId('org');
    await expect(createBillingAdmission({ accounts: f.accounts })(orgId, 'managed')).rejects.toBeInstanceOf(
      PaymentRequiredError,
    );
    const admitByDefault = createBillingAdmission({ accounts: f.accounts, defaultPlanId: 'managed-validator' });
    await expect(admitByDefault(orgId, 'managed', 'validator')).resolves.toBeUndefined();
  });

  it('allows what the plan includes, while the account is in good standing', async () => {
    const admit = createBillingAdmission({ accounts: f.accounts });
    const selfHosted = newId('org');
    await choosePlan(off, input(selfHosted, 'self-hosted'));
    await expect(admit(selfHosted, 'self-hosted')).resolves.toBeUndefined();
    await expect(admit(selfHosted, 'managed')).rejects.toBeInstanceOf(PaymentRequiredError);

    const member = newId('org');
    await choosePlan(off, input(member, 'managed-member'));
    await expect(admit(member, 'managed', 'member')).resolves.toBeUndefined();
    await expect(admit(member, 'managed', 'validator')).rejects.toBeInstanceOf(PaymentRequiredError);

    const waiting = newId('org');
    await choosePlan(f.deps, input(waiting, 'managed-member'));
    await expect(admit(waiting, 'managed')).rejects.toThrow(/pending payment/);
  });
});
