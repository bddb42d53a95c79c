import { describe, expect, it } from 'vitest';
import { NoBilling } from '../../../shared/adapters/local/no-billing.ts';
import { BillingDisabledError } from '../../../shared/ports/billing-provider.ts';

const ORG = 'org_abcdefghijklmnopqrst';
const usage = {
  periodStart: '2026-11-01T00:00:00.000Z',
  periodEnd: '2026-12-01T00:00:00.000Z',
  computeUnits: 60_000_000,
  nodeHours: { medium: 730 },
};

describe('billing off', () => {
  const billing = new NoBilling();

  it('says billing is off', () => {
    expect(billing.enabled).toBe(false);
  });

  it('estimates the period from the catalogue and the usage given', async () => {
    const [estimate, ...rest] = await billing.listInvoices({
      orgId: ORG,
      customerId: undefined,
      planId: 'managed-validator',
      usage,
    });
    expect(rest).toEqual([]);
    expect(estimate).toMatchObject({
      id: `estimate_${ORG}_2026-11-01`,
      status: 'estimate',
      currency: 'sek',
      amountDueOre: 0,
      periodStart: usage.periodStart,
      periodEnd: usage.periodEnd,
      // 8,900 SEK for a medium validator month, plus 10,000,000 CU over the included at 0.20 SEK per 1,000.
      totalOre: 890_000 + 10_000 * 20,
      hostedUrl: undefined,
    });
    expect(estimate?.lines).toHaveLength(2);
  });

  it('has nothing to show without usage', async () => {
    expect(await billing.listInvoices({ orgId: ORG, customerId: undefined, planId: 'enterprise' })).toEqual([]);
  });

  it('refuses everything that would take payment', async () => {
    const calls = [
      billing.ensureCustomer(),
      billing.createCheckoutSession(),
      billing.createPortalSession(),
      billing.sendMeterEvent(),
      billing.retrieveSubscription(),
      billing.retrieveCheckoutSession(),
      billing.parseWebhook(),
    ];
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(BillingDisabledError);
  });
});
