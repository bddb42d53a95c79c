import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBillingGraceJob } from '../../../functions/jobs/billing/billing-grace.job.ts';
import { choosePlan } from '../../../functions/services/billing/billing-checkout.service.ts';
import type { BillingDeps } from '../../../functions/services/billing/billing-deps.ts';
import { handleStripeWebhook } from '../../../functions/services/billing/stripe-webhook.service.ts';
import { NoBilling } from '../../../shared/adapters/local/no-billing.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { UpstreamError } from '../../../shared/errors.ts';
import { BillingDisabledError, WebhookSignatureError } from '../../../shared/ports/billing-provider.ts';
import { BillingRepository, billingKeys } from '../../../shared/store/billing.repository.ts';
import { scanItems } from '../../support/table-scan.ts';
import { type BillingFixture, DAY_MS, startBillingFixture, WEBHOOK_SECRET } from './billing-fixture.ts';

let f: BillingFixture;
beforeEach(async () => {
  f = await startBillingFixture();
});
afterEach(async () => {
  await f?.close();
});

type Json = Record<string, unknown>;

function deliver(event: Json, deps: BillingDeps = f.deps, secret = WEBHOOK_SECRET) {
  return handleStripeWebhook({ ...f.stripe.sign(event, secret), secret: WEBHOOK_SECRET, deps });
}

/** An organisation that went through Checkout: pending payment, a session, and (once paid) a subscription. */
async function startCheckout(planId = 'managed-member') {
  const orgId = newId('org');
  const result = await choosePlan(f.deps, {
    orgId,
    orgName: 'Region Uppsala',
    planId,
    successUrl: 'https://console.carechain.se/billing/done',
    cancelUrl: 'https://console.carechain.se/billing',
  });
  if (result.kind !== 'checkout') throw new Error('expected a checkout');
  return { orgId, sessionId: result.sessionId, url: result.url };
}

async function activeOrg() {
  const { orgId, sessionId } = await startCheckout();
  const subscription = f.stripe.completeCheckout(sessionId);
  await deliver(f.stripe.event('checkout.session.completed', f.stripe.checkoutSessions.get(sessionId) ?? {}));
  return { orgId, subscriptionId: String(subscription.id) };
}

function invoiceOf(subscriptionId: string, status: string): Json {
  return f.stripe.addInvoice(subscriptionId, { status, total: 290_000 });
}

async function pastDueOrg() {
  const org = await activeOrg();
  f.stripe.setSubscriptionStatus(org.subscriptionId, 'past_due');
  await deliver(f.stripe.event('invoice.payment_failed', invoiceOf(org.subscriptionId, 'open')));
  return org;
}

async function suspendedOrg() {
  const org = await pastDueOrg();
  f.clock.advance(8 * DAY_MS);
  await runBillingGraceJob(f.deps);
  return org;
}

describe('Checkout and webhooks', () => {
  it('activates an organisation when Stripe reports its checkout completed', async () => {
    const { orgId, sessionId, url } = await startCheckout('managed-validator');
    expect(url).toMatch(/\/pay\//);
    expect((await f.accounts.get(orgId))?.state).toBe('pending_payment');

    const subscription = f.stripe.completeCheckout(sessionId);
    const session = f.stripe.checkoutSessions.get(sessionId) ?? {};
    const outcome = await deliver(f.stripe.event('checkout.session.completed', session));

    expect(outcome.status).toBe('processed');
    expect(await f.accounts.get(orgId)).toMatchObject({
      state: 'active',
      planId: 'managed-validator',
      subscriptionId: subscription.id,
      customerId: session.customer,
    });
  });

  it('refuses a forged signature with a 400 and changes nothing', async () => {
    const { orgId, sessionId } = await startCheckout();
    f.stripe.completeCheckout(sessionId);
    const event = f.stripe.event('checkout.session.completed', f.stripe.checkoutSessions.get(sessionId) ?? {});
    const before = await f.accounts.get(orgId);

    const forged = deliver(event, f.deps, 'whsec_forged');
    await expect(forged).rejects.toBeInstanceOf(WebhookSignatureError);
    await expect(forged).rejects.toMatchObject({ status: 400 });
    const unsigned = handleStripeWebhook({
      rawBody: JSON.stringify(event),
      signatureHeader: undefined,
      secret: WEBHOOK_SECRET,
      deps: f.deps,
    });
    await expect(unsigned).rejects.toMatchObject({ status: 400 });

    expect(await f.accounts.get(orgId)).toEqual(before);
    expect(await f.accounts.hasStripeEvent(String(event.id))).toBe(false);
  });

  it('acts once on an event delivered five times', async () => {
    const { orgId, subscriptionId } = await suspendedOrg();
    const suspended = await f.accounts.get(orgId);
    f.stripe.setSubscriptionStatus(subscriptionId, 'active');
    const event = f.stripe.event('invoice.paid', invoiceOf(subscriptionId, 'paid'));

    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push((await deliver(event)).status);

    expect(outcomes).toEqual(['processed', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(f.calls.reactivated).toEqual([orgId]);
    // One write for the state change, one to confirm the node action was done.
    expect((await f.accounts.get(orgId))?.version).toBe((suspended?.version ?? 0) + 2);
  });

  it('acts once on five concurrent deliveries of one event', async () => {
    const { orgId, sessionId } = await startCheckout();
    f.stripe.completeCheckout(sessionId);
    const pending = await f.accounts.get(orgId);
    const event = f.stripe.event('checkout.session.completed', f.stripe.checkoutSessions.get(sessionId) ?? {});

    await Promise.all(Array.from({ length: 5 }, () => deliver(event)));

    const account = await f.accounts.get(orgId);
    expect(account?.state).toBe('active');
    expect(account?.version).toBe((pending?.version ?? 0) + 1);
    expect(await f.accounts.hasStripeEvent(String(event.id))).toBe(true);
  });

  it('ends in the subscription’s real state when `updated` arrives before `created`', async () => {
    const { orgId, sessionId } = await startCheckout();
    const subscription = f.stripe.completeCheckout(sessionId);
    const created = f.stripe.event('customer.subscription.created', subscription);
    f.stripe.setSubscriptionStatus(String(subscription.id), 'past_due');
    const updated = f.stripe.event('customer.subscription.updated', subscription);

    await deliver(updated);
    await deliver(created); // its snapshot still says active; Stripe now says past_due

    expect(await f.accounts.get(orgId)).toMatchObject({
      state: 'past_due',
      subscriptionId: subscription.id,
      pastDueSince: f.clock.now().toISOString(),
    });
  });

  it('moves to past_due when a renewal payment fails', async () => {
    const { orgId } = await pastDueOrg();
    expect(await f.accounts.get(orgId)).toMatchObject({
      state: 'past_due',
      pastDueSince: f.clock.now().toISOString(),
    });
    expect(f.calls.suspended).toEqual([]);
  });

  it('suspends after the grace period and stops the nodes once', async () => {
    const { orgId } = await pastDueOrg();

    f.clock.advance(6 * DAY_MS);
    expect((await runBillingGraceJob(f.deps)).suspended).toEqual([]);
    expect((await f.accounts.get(orgId))?.state).toBe('past_due');

    f.clock.advance(DAY_MS);
    expect((await runBillingGraceJob(f.deps)).suspended).toEqual([orgId]);
    expect((await f.accounts.get(orgId))?.state).toBe('suspended');
    expect(f.calls.suspended).toEqual([orgId]);

    await runBillingGraceJob(f.deps);
    expect(f.calls.suspended).toEqual([orgId]);
  });

  it('honours a configured grace period', async () => {
    const { orgId } = await pastDueOrg();
    f.clock.advance(2 * DAY_MS);
    expect((await runBillingGraceJob(f.deps, { graceDays: 3 })).suspended).toEqual([]);
    f.clock.advance(DAY_MS);
    expect((await runBillingGraceJob(f.deps, { graceDays: 3 })).suspended).toEqual([orgId]);
  });

  it('reactivates a suspended organisation and starts its nodes when an invoice is paid', async () => {
    const { orgId, subscriptionId } = await suspendedOrg();
    f.stripe.setSubscriptionStatus(subscriptionId, 'active');

    await deliver(f.stripe.event('invoice.paid', invoiceOf(subscriptionId, 'paid')));

    const account = await f.accounts.get(orgId);
    expect(account).toMatchObject({ state: 'active', pastDueSince: undefined, nodeAction: undefined });
    expect(f.calls.reactivated).toEqual([orgId]);
  });

  it('does not suspend a past-due organisation whose payment webhook was lost', async () => {
    const { orgId, subscriptionId } = await pastDueOrg();
    f.stripe.setSubscriptionStatus(subscriptionId, 'active');
    f.clock.advance(8 * DAY_MS);

    const report = await runBillingGraceJob(f.deps);

    expect(report).toMatchObject({ suspended: [], resynced: [orgId] });
    expect((await f.accounts.get(orgId))?.state).toBe('active');
    expect(f.calls.suspended).toEqual([]);
  });

  it('cancels when Stripe deletes the subscription, and stops the nodes', async () => {
    const { orgId, subscriptionId } = await activeOrg();
    const subscription = f.stripe.setSubscriptionStatus(subscriptionId, 'canceled');
    await deliver(f.stripe.event('customer.subscription.deleted', subscription));
    expect((await f.accounts.get(orgId))?.state).toBe('canceled');
    expect(f.calls.canceled).toEqual([orgId]);
  });

  it('still acts on an event after a crash between the effect and its record', async () => {
    const { orgId, subscriptionId } = await suspendedOrg();
    f.stripe.setSubscriptionStatus(subscriptionId, 'active');
    const event = f.stripe.event('invoice.paid', invoiceOf(subscriptionId, 'paid'));
    class CrashOnRecord extends BillingRepository {
      crashes = 1;
      override async recordStripeEvent(e: { id: string; type: string; processedAt: Date }) {
        if (this.crashes-- > 0) throw new Error('process died');
        return super.recordStripeEvent(e);
      }
    }
    const deps = { ...f.deps, accounts: new CrashOnRecord(f.table) };

    await expect(deliver(event, deps)).rejects.toThrow('process died');
    expect(await f.accounts.hasStripeEvent(String(event.id))).toBe(false);
    expect((await deliver(event, deps)).status).toBe('processed');

    expect((await f.accounts.get(orgId))?.state).toBe('active');
    expect(f.calls.reactivated).toEqual([orgId]);
    expect(await f.accounts.hasStripeEvent(String(event.id))).toBe(true);
  });

  it('still acts on an event whose first delivery failed before the effect', async () => {
    const { orgId, subscriptionId } = await pastDueOrg();
    f.stripe.setSubscriptionStatus(subscriptionId, 'active');
    const event = f.stripe.event('invoice.paid', invoiceOf(subscriptionId, 'paid'));
    f.stripe.failNext('GET', '/v1/subscriptions/', { status: 503 });

    await expect(deliver(event)).rejects.toBeInstanceOf(UpstreamError);
    expect((await f.accounts.get(orgId))?.state).toBe('past_due');
    expect((await deliver(event)).status).toBe('processed');
    expect((await f.accounts.get(orgId))?.state).toBe('active');
  });

  it('keeps a failed node action pending and retries it from the grace job', async () => {
    const { orgId } = await pastDueOrg();
    let failures = 1;
    const deps: BillingDeps = {
      ...f.deps,
      onSuspended: async (id) => {
        if (failures-- > 0) throw new Error('EC2 unavailable');
        f.calls.suspended.push(id);
      },
    };
    f.clock.advance(8 * DAY_MS);
    await runBillingGraceJob(deps);
    expect(await f.accounts.get(orgId)).toMatchObject({ state: 'suspended', nodeAction: 'suspend' });
    expect(f.calls.suspended).toEqual([]);

    f.clock.advance(2 * 60_000);
    const report = await runBillingGraceJob(deps);

    expect(report.nodeActionsRetried).toBe(1);
    expect(f.calls.suspended).toEqual([orgId]);
    expect((await f.accounts.get(orgId))?.nodeAction).toBeUndefined();
  });

  it('ignores events about a subscription the account does not follow', async () => {
    const first = await activeOrg();
    const stray = { ...(f.stripe.subscriptions.get(first.subscriptionId) ?? {}) };
    const strayId = 'sub_stray';
    f.stripe.subscriptions.set(strayId, { ...stray, id: strayId, status: 'canceled' });

    const outcome = await deliver(f.stripe.event('customer.subscription.deleted', { ...stray, id: strayId }));

    expect(outcome.status).toBe('ignored');
    expect((await f.accounts.get(first.orgId))?.state).toBe('active');
  });

  it('acknowledges and records events billing does not act on', async () => {
    const event = f.stripe.event('customer.created', { id: 'cus_x', object: 'customer' });
    expect((await deliver(event)).status).toBe('ignored');
    expect(await f.table.get(billingKeys.stripeEvent(String(event.id)))).toMatchObject({
      eventType: 'customer.created',
    });
  });

  it('keeps the signing secret and the API key out of logs, errors and the table', async () => {
    const { orgId } = await suspendedOrg();
    const forged = await deliver(f.stripe.event('invoice.paid', { id: 'in_y', object: 'invoice' }), f.deps, 'x').catch(
      (error: Error) => error,
    );
    const scan = await scanItems(f.table);
    const everything = [
      ...f.logLines,
      JSON.stringify(scan),
      (forged as Error).message,
      JSON.stringify(await f.accounts.get(orgId)),
    ].join('\n');
    expect(f.logLines.length).toBeGreaterThan(0);
    expect(everything).not.toContain(WEBHOOK_SECRET);
    expect(everything).not.toContain(f.stripe.secretKey);
  });

  it('says billing is off when there is no Stripe', async () => {
    const event = f.stripe.event('invoice.paid', { id: 'in_x', object: 'invoice' });
    await expect(deliver(event, { ...f.deps, billing: new NoBilling() })).rejects.toBeInstanceOf(BillingDisabledError);
  });
});
