/**
 * Billing end to end on the local runtime with Stripe switched on and pointed at a local Stripe-shaped server,
 * with real webhook signatures: checkout → paid → managed nodes allowed; forged and repeated deliveries; payment
 * failure past the grace period → suspended (nodes stopped, RPC 402, nothing deleted); payment → nodes run again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBillingGraceJob } from '../../../functions/jobs/billing/billing-grace.job.ts';
import { FakeStripe } from '../../support/fake-stripe.ts';
import { type InProcessRuntime, startInProcessRuntime } from '../../support/in-process-runtime.ts';
import { cataloguePrices } from '../billing/billing-fixture.ts';

const WEBHOOK_SECRET = 'whsec_local_runtime_test';
let stripe: FakeStripe;
let env: InProcessRuntime;
let owner: { token: string; orgId: string };
let networkId: string;

async function deliver(event: Record<string, unknown>, secret = WEBHOOK_SECRET) {
  const { rawBody, signatureHeader } = stripe.sign(event, secret);
  const res = await fetch(`${env.runtime.url}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signatureHeader },
    body: rawBody,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  stripe = await FakeStripe.start({ prices: cataloguePrices() });
  env = await startInProcessRuntime({
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_HOST: '127.0.0.1',
    STRIPE_API_PORT: String(stripe.port),
    STRIPE_API_PROTOCOL: 'http',
  });
  owner = await env.user('Paying Hospital');
  networkId = (await env.call('GET', '/v1/networks', { token: owner.token })).json.items[0].id;
}, 60_000);
afterAll(async () => {
  await env?.close();
  await stripe?.close();
});

describe('billing with Stripe', () => {
  let subscriptionId: string;
  let nodeId: string;
  let apiKey: string;

  it('refuses managed nodes before a plan is paid', async () => {
    const plans = await env.call('GET', '/v1/plans');
    expect(plans.json.billingEnabled).toBe(true);
    const refused = await env.call('POST', `/v1/orgs/${owner.orgId}/nodes`, {
      token: owner.token,
      body: { networkId },
    });
    expect(refused.status).toBe(402);
    expect(refused.json.detail).toMatch(/plan/i);
  });

  it('activates the organisation after Checkout and a signed checkout.session.completed', async () => {
    const checkout = await env.call('POST', `/v1/orgs/${owner.orgId}/billing/checkout`, {
      token: owner.token,
      body: { planId: 'managed-validator' },
    });
    expect(checkout.status).toBe(201);
    expect(checkout.json.url).toMatch(/^https?:\/\//);
    expect(checkout.json.account.state).toBe('pending_payment');
    const [sessionId] = [...stripe.checkoutSessions.keys()];
    const subscription = stripe.completeCheckout(sessionId ?? '');
    subscriptionId = String(subscription.id);

    const forged = await deliver(
      stripe.event('checkout.session.completed', stripe.checkoutSessions.get(sessionId ?? '') ?? {}),
      'whsec_wrong',
    );
    expect(forged.status).toBe(400);
    expect((await env.call('GET', `/v1/orgs/${owner.orgId}/billing`, { token: owner.token })).json.state).toBe(
      'pending_payment',
    );

    const event = stripe.event('checkout.session.completed', stripe.checkoutSessions.get(sessionId ?? '') ?? {});
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push((await deliver(event)).json.status);
    expect(outcomes[0]).toBe('processed');
    expect(outcomes.slice(1)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
    const account = await env.call('GET', `/v1/orgs/${owner.orgId}/billing`, { token: owner.token });
    expect(account.json).toMatchObject({ state: 'active', planId: 'managed-validator' });

    const node = await env.call('POST', `/v1/orgs/${owner.orgId}/nodes`, { token: owner.token, body: { networkId } });
    expect(node.status).toBe(201);
    nodeId = node.json.id;
    await env.waitForNode(owner.token, owner.orgId, nodeId, (n) => n.state === 'running');
    const key = await env.call('POST', `/v1/orgs/${owner.orgId}/api-keys`, {
      token: owner.token,
      body: { name: 'rpc', scopes: ['rpc'] },
    });
    apiKey = key.json.secret;
  });

  it('suspends after the grace period: nodes stop, RPC answers 402, nothing is deleted; payment restores them', async () => {
    stripe.setSubscriptionStatus(subscriptionId, 'past_due');
    const failed = stripe.addInvoice(subscriptionId, { status: 'open', total: 290_000 });
    expect((await deliver(stripe.event('invoice.payment_failed', failed))).status).toBe(200);
    expect((await env.call('GET', `/v1/orgs/${owner.orgId}/billing`, { token: owner.token })).json.state).toBe(
      'past_due',
    );

    // The grace job as the worker runs it, eight days on.
    const later = new Date(Date.now() + 8 * 86_400_000);
    const report = await runBillingGraceJob({ ...env.runtime.deps.billing, clock: () => later });
    expect(report.suspended).toEqual([owner.orgId]);
    await env.waitForNode(owner.token, owner.orgId, nodeId, (n) => n.state === 'stopped');

    const rpc = await fetch(`${env.runtime.url}/rpc/${nodeId}/${apiKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
    });
    // The gateway remembers a key's standing for a few seconds; a fresh look-up answers 402.
    await new Promise((resolve) => setTimeout(resolve, rpc.status === 402 ? 0 : 5_500));
    const refused = await fetch(`${env.runtime.url}/rpc/${nodeId}/${apiKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'eth_blockNumber', params: [] }),
    });
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/suspended/);
    const nodes = await env.call('GET', `/v1/orgs/${owner.orgId}/nodes`, { token: owner.token });
    expect(nodes.json.items.map((n: { id: string }) => n.id)).toEqual([nodeId]);

    stripe.setSubscriptionStatus(subscriptionId, 'active');
    const paid = stripe.addInvoice(subscriptionId, { status: 'paid', total: 290_000 });
    expect((await deliver(stripe.event('invoice.paid', paid))).status).toBe(200);
    expect((await env.call('GET', `/v1/orgs/${owner.orgId}/billing`, { token: owner.token })).json.state).toBe(
      'active',
    );
    await env.waitForNode(owner.token, owner.orgId, nodeId, (n) => n.state === 'running');
  }, 60_000);

  it('lists Stripe’s invoices', async () => {
    const invoices = await env.call('GET', `/v1/orgs/${owner.orgId}/invoices`, { token: owner.token });
    expect(invoices.status).toBe(200);
    expect(invoices.json.billingEnabled).toBe(true);
    expect(invoices.json.items.length).toBeGreaterThanOrEqual(3);
    expect(invoices.json.items.every((i: { status: string }) => i.status !== 'estimate')).toBe(true);
  });
});
