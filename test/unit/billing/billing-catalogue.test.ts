/**
 * The Stripe catalogue derived from the plans: every lookup key and meter event name billing uses is in it, with
 * the plans' amounts, so `billing:sync` makes exactly what Checkout, seat changes and meter events look up.
 */
import { describe, expect, it } from 'vitest';
import { desiredCatalogue, normaliseDecimal, perThousandToPerUnit } from '../../../shared/domain/billing-catalogue.ts';
import { METERS } from '../../../shared/domain/metering.ts';
import { NODE_SIZES } from '../../../shared/domain/node.ts';
import { getPlan, isPaidPlan, PLANS, STRIPE_METER_EVENT_NAMES } from '../../../shared/domain/plans.ts';

const catalogue = desiredCatalogue();

describe('the catalogue the plans need', () => {
  it.each(PLANS.filter(isPaidPlan).map((plan) => [plan.id, plan] as const))(
    '%s: a monthly seat price per node size at the plan’s amount, on a product of its own',
    (_id, plan) => {
      for (const size of NODE_SIZES) {
        const price = catalogue.prices.find((p) => p.lookupKey === plan.stripePrices?.nodeMonthly[size]);
        expect(price).toMatchObject({
          currency: 'sek',
          interval: 'month',
          productId: `carechain-${plan.id}-node-${size}`,
          pricing: { usageType: 'licensed', unitAmountOre: plan.monthlyPriceOre[size] },
        });
        expect(catalogue.products.some((product) => product.id === price?.productId)).toBe(true);
      }
    },
  );

  it.each(PLANS.filter(isPaidPlan).map((plan) => [plan.id, plan] as const))(
    '%s: compute units metered on the compute-unit meter, the included ones free',
    (_id, plan) => {
      const price = catalogue.prices.find((p) => p.lookupKey === plan.stripePrices?.computeUnitOverage);
      expect(price?.pricing).toEqual({
        usageType: 'metered',
        meterEventName: STRIPE_METER_EVENT_NAMES.rpc_compute_units,
        tiers: [
          { upTo: plan.includedComputeUnits, unitAmountDecimal: '0' },
          { upTo: undefined, unitAmountDecimal: perThousandToPerUnit(plan.overagePer1000ComputeUnitsOre) },
        ],
      });
    },
  );

  it('has nothing for the free plan', () => {
    expect(catalogue.prices.some((price) => price.metadata.carechain_plan === 'self-hosted')).toBe(false);
  });

  it('names each product and lookup key once, within Stripe’s limits', () => {
    const ids = catalogue.products.map((product) => product.id);
    const keys = catalogue.prices.map((price) => price.lookupKey);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(keys).size).toBe(keys.length);
    for (const product of catalogue.products) expect(product.unitLabel.length).toBeLessThanOrEqual(12);
    for (const key of keys) expect(key.length).toBeLessThanOrEqual(200);
  });

  it('has a summing meter for every CareChain meter, with the event names billing sends', () => {
    expect(catalogue.meters.map((meter) => [meter.meter, meter.eventName])).toEqual(
      METERS.map((meter) => [meter, STRIPE_METER_EVENT_NAMES[meter]]),
    );
    for (const meter of catalogue.meters) {
      expect(meter).toMatchObject({
        aggregation: 'sum',
        customerPayloadKey: 'stripe_customer_id',
        valuePayloadKey: 'value',
      });
    }
  });

  it('has a price for every lookup key the plans name and a meter for every event name billing sends', () => {
    const planKeys = PLANS.flatMap((plan) =>
      plan.stripePrices ? [...Object.values(plan.stripePrices.nodeMonthly), plan.stripePrices.computeUnitOverage] : [],
    );
    expect(catalogue.prices.map((price) => price.lookupKey).sort()).toEqual([...planKeys].sort());
    expect(catalogue.meters.map((meter) => meter.eventName)).toEqual(Object.values(STRIPE_METER_EVENT_NAMES));
  });

  it('follows a price change in the plans', () => {
    const member = getPlan('managed-member');
    const raised = { ...member, monthlyPriceOre: { ...member.monthlyPriceOre, small: 3_100_00 } };
    const changed = desiredCatalogue([raised]);
    expect(changed.prices.find((p) => p.lookupKey === member.stripePrices?.nodeMonthly.small)?.pricing).toEqual({
      usageType: 'licensed',
      unitAmountOre: 310_000,
    });
  });
});

describe('öre per 1,000 units as öre per unit', () => {
  it.each([
    [0, '0'],
    [1, '0.001'],
    [10, '0.01'],
    [20, '0.02'],
    [1_000, '1'],
    [1_250, '1.25'],
    [123_456, '123.456'],
  ])('%s öre per 1,000 is %s öre per unit', (perThousand, perUnit) => {
    expect(perThousandToPerUnit(perThousand)).toBe(perUnit);
  });

  it.each([-1, 1.5, Number.NaN])('refuses %s', (value) => {
    expect(() => perThousandToPerUnit(value)).toThrow(RangeError);
  });

  it.each([
    ['0.020', '0.02'],
    ['0', '0'],
    ['000.5', '0.5'],
    ['20.000', '20'],
    ['0.02', '0.02'],
  ])('reads %s as %s', (value, normal) => {
    expect(normaliseDecimal(value)).toBe(normal);
  });
});
