/**
 * `billing:sync` against the Stripe-shaped test server with the real `stripe` client: an empty account gets the
 * whole catalogue, a second run writes nothing, a price change moves the lookup key to a new price while
 * subscriptions keep the old one, and what Stripe cannot change stops the run before it writes.
 */
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyCatalogueSync,
  CatalogueConflictError,
  planCatalogueSync,
} from '../../../functions/services/billing/billing-catalogue-sync.ts';
import { StripeBilling } from '../../../shared/adapters/stripe/stripe-billing.ts';
import { StripeBillingCatalogue } from '../../../shared/adapters/stripe/stripe-billing-catalogue.ts';
import { desiredCatalogue } from '../../../shared/domain/billing-catalogue.ts';
import { getPlan, PLANS } from '../../../shared/domain/plans.ts';
import { FakeStripe } from '../../support/fake-stripe.ts';

const MEMBER = getPlan('managed-member');
const SMALL = MEMBER.stripePrices!.nodeMonthly.small;
const COMPUTE = MEMBER.stripePrices!.computeUnitOverage;

let fake: FakeStripe;
let catalogue: StripeBillingCatalogue;
let stripe: Stripe;
beforeEach(async () => {
  fake = await FakeStripe.start();
  catalogue = new StripeBillingCatalogue(fake.clientOptions());
  stripe = new Stripe(fake.secretKey, { host: '127.0.0.1', port: fake.port, protocol: 'http', maxNetworkRetries: 0 });
});
afterEach(async () => {
  await fake?.close();
});

async function sync(desired = desiredCatalogue()) {
  const plan = await planCatalogueSync(catalogue, desired);
  return { plan, applied: await applyCatalogueSync(catalogue, plan) };
}

function priceWithKey(lookupKey: string) {
  return [...fake.prices.values()].find((price) => price.lookup_key === lookupKey);
}

function priceIdOf(item: Record<string, unknown>) {
  return (item.price as { id: string }).id;
}

/** Checkout for the managed-member plan, paid: a subscription on the prices the lookup keys name now. */
async function subscribe(billing = new StripeBilling(fake.clientOptions())) {
  const orgId = `org_${Math.random().toString(36).slice(2, 10)}`;
  const customerId = await billing.ensureCustomer({ orgId, name: 'Region Hospital' });
  const session = await billing.createCheckoutSession({
    orgId,
    customerId,
    planId: 'managed-member',
    successUrl: 'https://console.carechain.se/billing/done',
    cancelUrl: 'https://console.carechain.se/billing',
  });
  return String(fake.completeCheckout(session.id).id);
}

describe('an empty Stripe account', () => {
  it('gets every product, price and meter the plans need, and nothing is missing after', async () => {
    const desired = desiredCatalogue();
    const { plan, applied } = await sync();
    expect(plan.missing).toHaveLength(desired.prices.length + desired.meters.length);
    expect(applied).toHaveLength(desired.meters.length + desired.products.length + desired.prices.length);

    expect([...fake.catalogue.products.keys()].sort()).toEqual(desired.products.map((p) => p.id).sort());
    expect(priceWithKey(SMALL)).toMatchObject({
      active: true,
      currency: 'sek',
      unit_amount: MEMBER.monthlyPriceOre.small,
      product: 'carechain-managed-member-node-small',
      recurring: { interval: 'month', usage_type: 'licensed' },
      metadata: { carechain_lookup_key: SMALL, carechain_plan: 'managed-member', carechain_node_size: 'small' },
    });
    const computeMeter = [...fake.catalogue.meters.values()].find(
      (meter) => meter.event_name === 'carechain_rpc_compute_units',
    );
    expect(priceWithKey(COMPUTE)).toMatchObject({
      billing_scheme: 'tiered',
      tiers_mode: 'graduated',
      recurring: { usage_type: 'metered', meter: computeMeter?.id },
    });
    const created = fake.requestsTo('POST', '/v1/prices').find((r) => r.body.lookup_key === COMPUTE);
    expect(created?.body.tiers).toEqual([
      { up_to: String(MEMBER.includedComputeUnits), unit_amount_decimal: '0' },
      { up_to: 'inf', unit_amount_decimal: '0.02' },
    ]);
    expect([...fake.catalogue.meters.values()].map((m) => [m.event_name, m.default_aggregation])).toEqual(
      desired.meters.map((m) => [m.eventName, { formula: 'sum' }]),
    );

    expect((await planCatalogueSync(catalogue)).missing).toEqual([]);
  });

  it('lets Checkout find the plan’s prices by lookup key once synced', async () => {
    await sync();
    await subscribe();
    const lines = fake.requestsTo('POST', '/v1/checkout/sessions')[0]?.body.line_items;
    expect(lines).toEqual([{ price: priceWithKey(SMALL)?.id, quantity: '1' }, { price: priceWithKey(COMPUTE)?.id }]);
  });
});

describe('a second run', () => {
  it('reads and writes nothing more', async () => {
    await sync();
    const writes = fake.writes().length;
    const before = fake.requests.length;

    const again = await sync();

    expect(again.plan.changes).toEqual([]);
    expect(again.applied).toEqual([]);
    expect(fake.writes()).toHaveLength(writes);
    expect(fake.requests.slice(before).every((request) => request.method === 'GET')).toBe(true);
  });
});

describe('a price change in the plans', () => {
  const raised = PLANS.map((plan) =>
    plan.id === 'managed-member' ? { ...plan, monthlyPriceOre: { ...plan.monthlyPriceOre, small: 3_100_00 } } : plan,
  );

  it('makes a new price that takes the lookup key; the old one is archived and its subscriptions keep it', async () => {
    await sync();
    const oldPriceId = String(priceWithKey(SMALL)?.id);
    const subscriptionId = await subscribe();

    const { plan } = await sync(desiredCatalogue(raised));

    expect(plan.changes.map((change) => change.kind)).toEqual(['replace-price']);
    const created = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/prices').at(-1)?.body;
    expect(created).toMatchObject({ lookup_key: SMALL, transfer_lookup_key: 'true', unit_amount: '310000' });
    expect(priceWithKey(SMALL)).toMatchObject({ unit_amount: 310_000, active: true });
    expect(priceWithKey(SMALL)?.id).not.toBe(oldPriceId);
    expect(fake.prices.get(oldPriceId)).toMatchObject({ lookup_key: null, active: false, unit_amount: 290_000 });
    expect(fake.itemsOf(subscriptionId).map(priceIdOf)).toEqual([oldPriceId, priceWithKey(COMPUTE)?.id]);

    expect((await sync(desiredCatalogue(raised))).applied).toEqual([]);
  });

  it('charges new subscriptions the new price and keeps seat changes of old ones on the old price', async () => {
    await sync();
    const oldPriceId = String(priceWithKey(SMALL)?.id);
    // One running control plane throughout: it had the old price cached when the sync replaced it.
    const billing = new StripeBilling(fake.clientOptions());
    const oldSubscription = await subscribe(billing);
    await sync(desiredCatalogue(raised));

    const newSubscription = await subscribe(billing);
    expect(fake.itemsOf(newSubscription).map(priceIdOf)[0]).toBe(priceWithKey(SMALL)?.id);
    const checkouts = fake.requestsTo('POST', '/v1/checkout/sessions');
    expect(checkouts.map((r) => (r.body.line_items as { price: string }[])[0]?.price)).toEqual([
      oldPriceId,
      oldPriceId,
      priceWithKey(SMALL)?.id,
    ]);

    expect(await billing.setSubscriptionQuantities(oldSubscription, { [SMALL]: 3 })).toEqual([SMALL]);
    const items = fake.itemsOf(oldSubscription);
    expect(items.map((item) => [priceIdOf(item), item.quantity])).toEqual([
      [oldPriceId, 3],
      [priceWithKey(COMPUTE)?.id, undefined],
    ]);
    expect((await billing.retrieveSubscription(oldSubscription)).planId).toBe('managed-member');
  });
});

describe('what an operator changed in the Dashboard', () => {
  it('reactivates an archived meter instead of creating it again', async () => {
    await sync();
    const meter = [...fake.catalogue.meters.values()].find((m) => m.event_name === 'carechain_signatures');
    await stripe.billing.meters.deactivate(String(meter?.id));
    const meters = fake.catalogue.meters.size;

    const { applied } = await sync();

    expect(applied.map((row) => `${row.action} ${row.key}`)).toEqual(['reactivate carechain_signatures']);
    expect(fake.catalogue.meters.size).toBe(meters);
    expect(fake.requestsTo('POST', '/v1/billing/meters').at(-1)?.path).toBe(
      `/v1/billing/meters/${meter?.id}/reactivate`,
    );
  });

  it('reactivates an archived price that is still right, in place', async () => {
    await sync();
    const price = priceWithKey(SMALL);
    await stripe.prices.update(String(price?.id), { active: false });
    const prices = fake.prices.size;

    const { applied } = await sync();

    expect(applied.map((row) => `${row.action} ${row.key}: ${row.detail}`)).toEqual([
      `update ${SMALL}: archived → active`,
    ]);
    expect(fake.prices.size).toBe(prices);
    expect(priceWithKey(SMALL)).toMatchObject({ id: price?.id, active: true });
  });

  it('writes nothing while a meter has settings Stripe cannot change', async () => {
    await stripe.billing.meters.create({
      display_name: 'API requests',
      event_name: 'carechain_api_requests',
      default_aggregation: { formula: 'count' },
    });
    const writes = fake.writes().length;

    const plan = await planCatalogueSync(catalogue);

    expect(plan.conflicts).toEqual([
      expect.objectContaining({ subject: expect.stringContaining('carechain_api_requests') }),
    ]);
    await expect(applyCatalogueSync(catalogue, plan)).rejects.toBeInstanceOf(CatalogueConflictError);
    expect(fake.writes()).toHaveLength(writes);
  });
});

describe('the test server keeps Stripe’s price rules', () => {
  async function product() {
    return stripe.products.create({ name: 'Node' });
  }

  it('refuses a lookup key in use (even by an archived price) unless it is transferred', async () => {
    const { id: productId } = await product();
    const first = await stripe.prices.create({
      product: productId,
      currency: 'sek',
      unit_amount: 100,
      recurring: { interval: 'month' },
      lookup_key: 'k',
    });
    await stripe.prices.update(first.id, { active: false });

    const refused = stripe.prices.create({
      product: productId,
      currency: 'sek',
      unit_amount: 200,
      recurring: { interval: 'month' },
      lookup_key: 'k',
    });
    await expect(refused).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      param: 'lookup_key',
      message: `A price (\`${first.id}\`) already uses that lookup key.`,
    });

    const second = await stripe.prices.create({
      product: productId,
      currency: 'sek',
      unit_amount: 200,
      recurring: { interval: 'month' },
      lookup_key: 'k',
      transfer_lookup_key: true,
    });
    expect(second.lookup_key).toBe('k');
    expect((await stripe.prices.retrieve(first.id)).lookup_key).toBeNull();
  });

  it('does not let an amount change on an existing price', async () => {
    const { id: productId } = await product();
    const price = await stripe.prices.create({
      product: productId,
      currency: 'sek',
      unit_amount: 100,
      recurring: { interval: 'month' },
    });
    const update = stripe.prices.update(price.id, { unit_amount: 200 } as Stripe.PriceUpdateParams);
    await expect(update).rejects.toMatchObject({ statusCode: 400, message: 'Received unknown parameter: unit_amount' });
  });

  it('returns a price’s tiers only when they are expanded', async () => {
    await sync();
    const [plain] = (await stripe.prices.list({ lookup_keys: [COMPUTE] })).data;
    const [expanded] = (await stripe.prices.list({ lookup_keys: [COMPUTE], expand: ['data.tiers'] })).data;
    expect(plain?.tiers).toBeUndefined();
    expect(expanded?.tiers?.map((tier) => [tier.up_to, String(tier.unit_amount_decimal)])).toEqual([
      [MEMBER.includedComputeUnits, '0'],
      [null, '0.02'],
    ]);
  });
});
