/**
 * Node seats against the Stripe-shaped server with the real StripeBilling client: a paying organisation's
 * subscription quantities follow the managed nodes it holds, per size; re-runs change nothing; free plans,
 * self-hosted nodes and organisations without a node leave the subscription alone.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syncNodeSeats } from '../../../functions/jobs/billing/node-seats.job.ts';
import { choosePlan } from '../../../functions/services/billing/billing-checkout.service.ts';
import { handleStripeWebhook } from '../../../functions/services/billing/stripe-webhook.service.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { countNodeSeats, holdsSeat } from '../../../shared/domain/node-seats.ts';
import { aNetwork, aNode } from '../../unit/providers/node-fixtures.ts';
import { type BillingFixture, startBillingFixture, WEBHOOK_SECRET } from './billing-fixture.ts';

let f: BillingFixture;
let fleet: NodeRecord[];
beforeEach(async () => {
  f = await startBillingFixture();
  fleet = [];
});
afterEach(async () => {
  await f?.close();
});

const network = aNetwork();
const seatsDeps = () => ({ ...f.deps, fleet: async () => fleet });

/** An organisation that bought `planId` for a small node through Checkout and paid. */
async function payingOrg(planId = 'managed-validator') {
  const orgId = newId('org');
  const result = await choosePlan(f.deps, {
    orgId,
    orgName: 'Region Skåne',
    planId,
    nodeSize: 'small',
    successUrl: 'https://console.carechain.se/billing/done',
    cancelUrl: 'https://console.carechain.se/billing',
  });
  if (result.kind !== 'checkout') throw new Error('expected a checkout');
  const subscription = f.stripe.completeCheckout(result.sessionId);
  const event = f.stripe.event('checkout.session.completed', f.stripe.checkoutSessions.get(result.sessionId) ?? {});
  await handleStripeWebhook({ ...f.stripe.sign(event, WEBHOOK_SECRET), secret: WEBHOOK_SECRET, deps: f.deps });
  return { orgId, subscriptionId: String(subscription.id) };
}

function quantities(subscriptionId: string): Record<string, number> {
  return Object.fromEntries(
    f.stripe
      .itemsOf(subscriptionId)
      .filter((item) => String((item.price as { lookup_key?: string }).lookup_key).includes('_node_'))
      .map((item) => [(item.price as { lookup_key: string }).lookup_key, Number(item.quantity)]),
  );
}

describe('node seats', () => {
  it('counts managed nodes from request to deprovisioning, by size', () => {
    const nodes = [
      aNode(network, { state: 'running', size: 'small' }),
      aNode(network, { state: 'stopped', desiredState: 'stopped', size: 'small' }),
      aNode(network, { state: 'requested', size: 'large' }),
      aNode(network, { state: 'failed', size: 'medium' }),
      aNode(network, { state: 'running', desiredState: 'terminated', size: 'medium' }),
      aNode(network, { state: 'terminated', desiredState: 'terminated', size: 'large' }),
      aNode(network, { state: 'running', hosting: 'self-hosted', runtime: 'external', size: 'large' }),
    ];
    expect(nodes.map(holdsSeat)).toEqual([true, true, true, false, false, false, false]);
    expect(countNodeSeats(nodes)).toEqual({ small: 2, medium: 0, large: 1 });
  });

  it('sets the subscription’s node quantities to the nodes held, and a re-run changes nothing', async () => {
    const { orgId, subscriptionId } = await payingOrg();
    expect(quantities(subscriptionId)).toEqual({ carechain_managed_validator_node_small_monthly: 1 });

    fleet.push(
      aNode(network, { orgId, state: 'running', size: 'small' }),
      aNode(network, { orgId, state: 'running', size: 'small' }),
      aNode(network, { orgId, state: 'provisioning', size: 'large' }),
      aNode(network, { orgId, state: 'running', hosting: 'self-hosted', runtime: 'external', size: 'medium' }),
    );
    expect(await syncNodeSeats(seatsDeps())).toEqual({ changed: 1, unchanged: 0, failed: 0 });
    expect(quantities(subscriptionId)).toEqual({
      carechain_managed_validator_node_small_monthly: 2,
      carechain_managed_validator_node_large_monthly: 1,
    });
    const itemRequests = () => f.stripe.requests.filter((r) => r.path.startsWith('/v1/subscription_items')).length;
    const before = itemRequests();
    expect(await syncNodeSeats(seatsDeps())).toEqual({ changed: 0, unchanged: 1, failed: 0 });
    expect(itemRequests()).toBe(before);

    // One small node deprovisioned, the large one failed: the quantities follow, down to zero for large.
    fleet[1] = { ...fleet[1]!, state: 'terminated', desiredState: 'terminated' };
    fleet[2] = { ...fleet[2]!, state: 'failed' };
    await syncNodeSeats(seatsDeps());
    expect(quantities(subscriptionId)).toEqual({
      carechain_managed_validator_node_small_monthly: 1,
      carechain_managed_validator_node_large_monthly: 0,
    });
  });

  it('leaves alone the seat bought at Checkout while no node is held, free plans and unpaid accounts', async () => {
    const { orgId, subscriptionId } = await payingOrg();
    fleet.push(aNode(network, { orgId, state: 'failed', size: 'large' }));
    const free = newId('org');
    await choosePlan(f.deps, {
      orgId: free,
      orgName: 'Egenvård',
      planId: 'self-hosted',
      successUrl: 'https://x.example/ok',
      cancelUrl: 'https://x.example/no',
    });
    fleet.push(aNode(network, { orgId: free, state: 'running', size: 'small' }));
    fleet.push(aNode(network, { orgId: newId('org'), state: 'running', size: 'small' }));

    expect(await syncNodeSeats(seatsDeps())).toEqual({ changed: 0, unchanged: 0, failed: 0 });
    expect(quantities(subscriptionId)).toEqual({ carechain_managed_validator_node_small_monthly: 1 });
    expect(f.stripe.requests.filter((r) => r.path.startsWith('/v1/subscription_items'))).toEqual([]);
  });

  it('keeps going when one organisation’s subscription cannot be changed, and retries it next time', async () => {
    const first = await payingOrg();
    const second = await payingOrg('enterprise');
    fleet.push(aNode(network, { orgId: first.orgId, state: 'running', size: 'medium' }));
    fleet.push(aNode(network, { orgId: second.orgId, state: 'running', size: 'large' }));
    f.stripe.failNext('POST', '/v1/subscription_items', { status: 400 });

    expect(await syncNodeSeats(seatsDeps())).toEqual({ changed: 1, unchanged: 0, failed: 1 });
    expect(await syncNodeSeats(seatsDeps())).toEqual({ changed: 1, unchanged: 1, failed: 0 });
    expect(quantities(first.subscriptionId)).toEqual({
      carechain_managed_validator_node_small_monthly: 0,
      carechain_managed_validator_node_medium_monthly: 1,
    });
    expect(quantities(second.subscriptionId)).toEqual({
      carechain_enterprise_node_small_monthly: 0,
      carechain_enterprise_node_large_monthly: 1,
    });
  });
});
