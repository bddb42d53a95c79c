/**
 * Switching billing on, end to end on the local runtime against an empty Stripe-shaped account: the start-up
 * check and GET /health name what is missing and `npm run billing:sync`; Checkout answers 503 saying the same;
 * after the sync, health is ready without a restart, and a member buys a plan through the API (Checkout, paid,
 * signed webhook, active).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBillingSyncCommand } from '../../../functions/local/billing-sync-command.ts';
import { describeReadiness } from '../../../functions/services/billing/billing-readiness.ts';
import { StripeBillingCatalogue } from '../../../shared/adapters/stripe/stripe-billing-catalogue.ts';
import { desiredCatalogue } from '../../../shared/domain/billing-catalogue.ts';
import { FakeStripe } from '../../support/fake-stripe.ts';
import { type InProcessRuntime, startInProcessRuntime } from '../../support/in-process-runtime.ts';

const WEBHOOK_SECRET = 'whsec_switch_on_test';
const desired = desiredCatalogue();
let stripe: FakeStripe;
let env: InProcessRuntime;
let owner: { token: string; orgId: string };

beforeAll(async () => {
  stripe = await FakeStripe.start();
  env = await startInProcessRuntime({
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_HOST: '127.0.0.1',
    STRIPE_API_PORT: String(stripe.port),
    STRIPE_API_PROTOCOL: 'http',
  });
  owner = await env.user('Switch-on Hospital');
}, 60_000);
afterAll(async () => {
  await env?.close();
  await stripe?.close();
});

const checkout = () =>
  env.call('POST', `/v1/orgs/${owner.orgId}/billing/checkout`, {
    token: owner.token,
    body: { planId: 'managed-member' },
  });

describe('billing switched on against an empty Stripe account', () => {
  it('says at start what is missing and the command that fixes it, and starts anyway', async () => {
    const atStart = env.runtime.billingAtStart;
    expect(atStart).toMatchObject({ enabled: true, mode: 'test', ready: false, fix: 'npm run billing:sync' });
    expect(atStart?.missing).toHaveLength(desired.prices.length + desired.meters.length);
    expect(describeReadiness(atStart)).toMatch(/NOT READY: 20 missing \(price .*\)\. Fix: npm run billing:sync$/);
    expect(env.logLines.some((line) => line.includes('cannot take payment until the Stripe catalogue is synced'))).toBe(
      true,
    );

    const health = await env.call('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({
      status: 'ok',
      billing: { enabled: true, mode: 'test', ready: false, fix: 'npm run billing:sync' },
    });
    expect(health.json.billing.missing).toContain('price carechain_managed_member_node_small_monthly');
    expect(health.json.billing.missing).toContain('meter carechain_node_seconds');
    expect(JSON.stringify(health.json)).not.toContain(stripe.secretKey);
  });

  it('answers Checkout with a 503 naming the fix, not a bare failure', async () => {
    const refused = await checkout();
    expect(refused.status).toBe(503);
    expect(refused.json.detail).toContain('Stripe has no active price with lookup key carechain_managed_member_');
    expect(refused.json.detail).toContain('npm run billing:sync');
  });

  it('is ready after billing:sync, without a restart, and a member buys a plan through the API', async () => {
    const output: string[] = [];
    const code = await runBillingSyncCommand({
      catalogue: new StripeBillingCatalogue(stripe.clientOptions()),
      flags: { dryRun: false, yes: false },
      out: (text) => output.push(text),
      confirm: undefined,
    });
    expect(code).toBe(0);

    await env.runtime.billingReadiness.check();
    const health = await env.call('GET', '/health');
    expect(health.json.billing).toMatchObject({ enabled: true, ready: true, missing: [], pendingChanges: 0 });
    expect(health.json.billing.fix).toBeUndefined();

    const bought = await checkout();
    expect(bought.status).toBe(201);
    expect(bought.json.account.state).toBe('pending_payment');
    const session = [...stripe.checkoutSessions.values()].at(-1)!;
    stripe.completeCheckout(String(session.id));
    const event = stripe.event('checkout.session.completed', stripe.checkoutSessions.get(String(session.id)) ?? {});
    const { rawBody, signatureHeader } = stripe.sign(event, WEBHOOK_SECRET);
    const delivered = await fetch(`${env.runtime.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signatureHeader },
      body: rawBody,
    });
    expect(delivered.status).toBe(200);
    const account = await env.call('GET', `/v1/orgs/${owner.orgId}/billing`, { token: owner.token });
    expect(account.json).toMatchObject({ state: 'active', planId: 'managed-member' });
  });
});
