import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StripeBilling } from '../../../shared/adapters/stripe/stripe-billing.ts';
import { getPlan } from '../../../shared/domain/plans.ts';
import { NotFoundError, ServiceUnavailableError, UpstreamError, ValidationError } from '../../../shared/errors.ts';
import { WebhookSignatureError } from '../../../shared/ports/billing-provider.ts';
import { FakeStripe } from '../../support/fake-stripe.ts';
import { type BillingFixture, startBillingFixture, WEBHOOK_SECRET } from './billing-fixture.ts';

const ORG = 'org_abcdefghijklmnopqrst';

let f: BillingFixture;
beforeAll(async () => {
  f = await startBillingFixture();
});
afterAll(async () => {
  await f?.close();
});

describe('StripeBilling against a Stripe-shaped server', () => {
  it('creates a customer tagged with the organisation once, and finds it again', async () => {
    const first = await f.billing.ensureCustomer({ orgId: ORG, name: 'Karolinska' });
    const second = await f.billing.ensureCustomer({ orgId: ORG, name: 'Karolinska' });
    expect(second).toBe(first);
    expect(f.stripe.customers.get(first)?.metadata).toEqual({ carechain_org: ORG });
    const creates = f.stripe.requestsTo('POST', '/v1/customers');
    expect(creates).toHaveLength(1);
    expect(creates[0]?.idempotencyKey).toBe(`carechain-customer-${ORG}`);
  });

  it('returns a recorded customer without asking Stripe', async () => {
    const before = f.stripe.requests.length;
    expect(await f.billing.ensureCustomer({ orgId: ORG, name: 'x', customerId: 'cus_known' })).toBe('cus_known');
    expect(f.stripe.requests.length).toBe(before);
  });

  it('refuses an organisation id that could change the search query', async () => {
    await expect(f.billing.ensureCustomer({ orgId: "x' OR name:'y", name: 'x' })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('opens Checkout in subscription mode with the plan prices found by lookup key', async () => {
    const customerId = await f.billing.ensureCustomer({ orgId: ORG, name: 'Karolinska' });
    const session = await f.billing.createCheckoutSession({
      orgId: ORG,
      customerId,
      planId: 'managed-validator',
      nodeSize: 'medium',
      successUrl: 'https://console.carechain.se/billing/done',
      cancelUrl: 'https://console.carechain.se/billing',
    });
    expect(session.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pay\//);
    const sent = f.stripe.requestsTo('POST', '/v1/checkout/sessions').at(-1)?.body;
    const lookupKeys = f.stripe.requestsTo('GET', '/v1/prices').at(-1)?.query.lookup_keys;
    const plan = getPlan('managed-validator');
    expect(lookupKeys).toEqual([plan.stripePrices?.nodeMonthly.medium, plan.stripePrices?.computeUnitOverage]);
    const priceIdOf = (key: string | undefined) =>
      [...f.stripe.prices.values()].find((price) => price.lookup_key === key)?.id;
    expect(sent).toMatchObject({
      mode: 'subscription',
      customer: customerId,
      client_reference_id: ORG,
      success_url: 'https://console.carechain.se/billing/done',
      metadata: { carechain_org: ORG, carechain_plan: 'managed-validator' },
      subscription_data: { metadata: { carechain_org: ORG, carechain_plan: 'managed-validator' } },
      line_items: [
        { price: priceIdOf(plan.stripePrices?.nodeMonthly.medium), quantity: '1' },
        { price: priceIdOf(plan.stripePrices?.computeUnitOverage) },
      ],
    });
  });

  it('refuses Checkout for the free plan', async () => {
    await expect(
      f.billing.createCheckoutSession({
        orgId: ORG,
        customerId: 'cus_x',
        planId: 'self-hosted',
        successUrl: 'https://a.se',
        cancelUrl: 'https://a.se',
      }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('says so when Stripe has no price for a lookup key (a configuration fault)', async () => {
    const bare = await FakeStripe.start();
    try {
      const billing = new StripeBilling(bare.clientOptions());
      const customerId = await billing.ensureCustomer({ orgId: ORG, name: 'x' });
      await expect(
        billing.createCheckoutSession({
          orgId: ORG,
          customerId,
          planId: 'enterprise',
          successUrl: 'https://a.se',
          cancelUrl: 'https://a.se',
        }),
      ).rejects.toBeInstanceOf(ServiceUnavailableError);
    } finally {
      await bare.close();
    }
  });

  it('reads a completed session and its subscription with the organisation and plan', async () => {
    const customerId = await f.billing.ensureCustomer({ orgId: ORG, name: 'Karolinska' });
    const session = await f.billing.createCheckoutSession({
      orgId: ORG,
      customerId,
      planId: 'enterprise',
      successUrl: 'https://a.se/ok',
      cancelUrl: 'https://a.se/no',
    });
    const subscription = f.stripe.completeCheckout(session.id);
    expect(await f.billing.retrieveCheckoutSession(session.id)).toEqual({
      id: session.id,
      orgId: ORG,
      planId: 'enterprise',
      customerId,
      subscriptionId: subscription.id,
      status: 'complete',
    });
    expect(await f.billing.retrieveSubscription(String(subscription.id))).toEqual({
      id: subscription.id,
      status: 'active',
      customerId,
      orgId: ORG,
      planId: 'enterprise',
    });
  });

  it('lists invoices in öre with their links', async () => {
    const customerId = await f.billing.ensureCustomer({ orgId: ORG, name: 'Karolinska' });
    const invoices = await f.billing.listInvoices({ orgId: ORG, customerId, planId: 'enterprise' });
    expect(invoices.length).toBeGreaterThan(0);
    expect(invoices[0]).toMatchObject({ status: 'paid', currency: 'sek', totalOre: 290_000 });
    expect(invoices[0]?.hostedUrl).toMatch(/^http/);
    expect(await f.billing.listInvoices({ orgId: ORG, customerId: undefined, planId: 'enterprise' })).toEqual([]);
  });

  it('opens the customer portal', async () => {
    const customerId = await f.billing.ensureCustomer({ orgId: ORG, name: 'Karolinska' });
    const portal = await f.billing.createPortalSession({ customerId, returnUrl: 'https://a.se/billing' });
    expect(portal.url).toMatch(/\/portal\//);
    expect(f.stripe.requestsTo('POST', '/v1/billing_portal/sessions').at(-1)?.body).toEqual({
      customer: customerId,
      return_url: 'https://a.se/billing',
    });
  });

  it('sends a meter event and reports a repeated identifier as a duplicate', async () => {
    const customerId = await f.billing.ensureCustomer({ orgId: ORG, name: 'Karolinska' });
    const event = {
      eventName: 'carechain_rpc_compute_units',
      customerId,
      value: 1234,
      identifier: `${ORG}:rpc_compute_units:2026-11-02T08:00Z`,
      timestamp: new Date('2026-11-02T08:00:00Z'),
    };
    expect(await f.billing.sendMeterEvent(event)).toBe('sent');
    expect(await f.billing.sendMeterEvent(event)).toBe('duplicate');
    expect(f.stripe.meterEvents.filter((e) => e.identifier === event.identifier)).toEqual([
      expect.objectContaining({
        event_name: 'carechain_rpc_compute_units',
        payload: { stripe_customer_id: customerId, value: '1234' },
        timestamp: Date.parse('2026-11-02T08:00:00Z') / 1000,
      }),
    ]);
  });

  it('maps a missing object to 404 and an outage to 502', async () => {
    await expect(f.billing.retrieveSubscription('sub_missing')).rejects.toBeInstanceOf(NotFoundError);
    f.stripe.failNext('GET', '/v1/subscriptions/', { status: 500 });
    await expect(f.billing.retrieveSubscription('sub_any')).rejects.toBeInstanceOf(UpstreamError);
  });

  it('reads a signed webhook and refuses a forged one', async () => {
    const event = f.stripe.event('invoice.paid', {
      id: 'in_1',
      object: 'invoice',
      customer: 'cus_1',
      parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_1' } },
    });
    const signed = f.stripe.sign(event, WEBHOOK_SECRET);
    expect(
      await f.billing.parseWebhook({ ...signed, secret: WEBHOOK_SECRET, receivedAt: f.clock.now() }),
    ).toMatchObject({ id: event.id, type: 'invoice.paid', subscriptionId: 'sub_1', customerId: 'cus_1' });
    const forged = f.stripe.sign(event, 'whsec_someone_else');
    await expect(
      f.billing.parseWebhook({ ...forged, secret: WEBHOOK_SECRET, receivedAt: f.clock.now() }),
    ).rejects.toBeInstanceOf(WebhookSignatureError);
  });

  it('refuses a signature older than five minutes', async () => {
    const event = f.stripe.event('invoice.paid', { id: 'in_2', object: 'invoice' });
    const signed = f.stripe.sign(event, WEBHOOK_SECRET);
    const late = new Date(f.clock.now().getTime() + 301_000);
    await expect(
      f.billing.parseWebhook({ ...signed, secret: WEBHOOK_SECRET, receivedAt: late }),
    ).rejects.toBeInstanceOf(WebhookSignatureError);
  });
});
