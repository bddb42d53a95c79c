import { describe, expect, it } from 'vitest';
import { METERS } from '../../../shared/domain/metering.ts';
import {
  creditPercentFor,
  estimateCharges,
  getPlan,
  isPaidPlan,
  PLAN_IDS,
  PLANS,
  planOfLookupKey,
  STRIPE_METER_EVENT_NAMES,
} from '../../../shared/domain/plans.ts';
import { NotFoundError } from '../../../shared/errors.ts';

describe('plan catalogue', () => {
  it('has one plan per id, each found by getPlan', () => {
    expect(PLANS.map((plan) => plan.id)).toEqual([...PLAN_IDS]);
    for (const id of PLAN_IDS) expect(getPlan(id).id).toBe(id);
  });

  it('answers an unknown plan with a 404', () => {
    expect(() => getPlan('gold')).toThrow(NotFoundError);
  });

  it.each(PLANS.map((plan) => [plan.id, plan] as const))('%s: prices are whole öre and limits positive', (_, plan) => {
    for (const price of Object.values(plan.monthlyPriceOre)) {
      expect(Number.isSafeInteger(price) && price >= 0).toBe(true);
    }
    expect(Number.isSafeInteger(plan.overagePer1000ComputeUnitsOre)).toBe(true);
    expect(plan.monthlyPriceOre.small).toBeLessThanOrEqual(plan.monthlyPriceOre.medium);
    expect(plan.monthlyPriceOre.medium).toBeLessThanOrEqual(plan.monthlyPriceOre.large);
    expect(plan.rateLimit.burst).toBeGreaterThanOrEqual(plan.rateLimit.requestsPerSecond);
    expect(plan.maxBatchSize).toBeGreaterThan(0);
    expect(plan.maxSigningKeys).toBeGreaterThan(0);
    expect(plan.allowedHostings.length).toBeGreaterThan(0);
  });

  it.each(PLANS.map((plan) => [plan.id, plan] as const))('%s: the credit ladder descends', (_, plan) => {
    const thresholds = plan.creditLadder.map((step) => step.below);
    const credits = plan.creditLadder.map((step) => step.creditPercent);
    expect(thresholds).toEqual([...thresholds].sort((a, b) => b - a));
    expect(credits).toEqual([...credits].sort((a, b) => a - b));
    if (plan.slaTargetPercent !== undefined) expect(thresholds[0]).toBe(plan.slaTargetPercent);
  });

  it('makes self-hosted free, self-hosted only, with one signing key and no SLA', () => {
    const plan = getPlan('self-hosted');
    expect(isPaidPlan(plan)).toBe(false);
    expect(plan).toMatchObject({
      monthlyPriceOre: { small: 0, medium: 0, large: 0 },
      allowedHostings: ['self-hosted'],
      maxSigningKeys: 1,
      slaTargetPercent: undefined,
    });
  });

  it('gives enterprise higher limits than the managed plans and a 99.95 % SLA', () => {
    const enterprise = getPlan('enterprise');
    for (const id of ['managed-member', 'managed-validator']) {
      const plan = getPlan(id);
      expect(enterprise.rateLimit.requestsPerSecond).toBeGreaterThan(plan.rateLimit.requestsPerSecond);
      expect(enterprise.maxSigningKeys).toBeGreaterThan(plan.maxSigningKeys);
      expect(enterprise.includedComputeUnits).toBeGreaterThan(plan.includedComputeUnits);
    }
    expect(enterprise.slaTargetPercent).toBe(99.95);
  });

  it('names every Stripe price once and maps each back to its plan', () => {
    const keys = PLANS.flatMap((plan) =>
      plan.stripePrices ? [...Object.values(plan.stripePrices.nodeMonthly), plan.stripePrices.computeUnitOverage] : [],
    );
    expect(new Set(keys).size).toBe(keys.length);
    for (const plan of PLANS.filter(isPaidPlan)) {
      expect(planOfLookupKey(plan.stripePrices?.nodeMonthly.large ?? '')?.id).toBe(plan.id);
    }
    expect(planOfLookupKey('something_else')).toBeUndefined();
  });

  it('has a distinct Stripe meter event name for every meter', () => {
    const names = METERS.map((meter) => STRIPE_METER_EVENT_NAMES[meter]);
    expect(new Set(names).size).toBe(METERS.length);
  });
});

describe('service credits', () => {
  const cases = [
    [100, 0],
    [99.9, 0],
    [99.89, 10],
    [99.0, 10],
    [98.99, 25],
    [95.0, 25],
    [94.99, 100],
    [0, 100],
  ] as const;
  it.each(cases)('managed member at %s %% earns %s %%', (availability, credit) => {
    expect(creditPercentFor(getPlan('managed-member'), availability)).toBe(credit);
  });

  it('earns no credit on a plan without an SLA', () => {
    expect(creditPercentFor(getPlan('self-hosted'), 50)).toBe(0);
  });
});

describe('estimates', () => {
  const period = { periodStart: '2026-11-01T00:00:00.000Z', periodEnd: '2026-12-01T00:00:00.000Z' };

  it('charges node time pro rata of the monthly price and compute units beyond the included ones', () => {
    const plan = getPlan('managed-member');
    const estimate = estimateCharges(plan, {
      ...period,
      computeUnits: plan.includedComputeUnits + 2_500,
      nodeHours: { small: 365, large: 730 },
    });
    expect(estimate.lines).toEqual([
      { description: 'Managed member node: small node-hours', quantity: 365, amountOre: 145_000 },
      { description: 'Managed member node: large node-hours', quantity: 730, amountOre: 1_190_000 },
      { description: 'Compute units (50,000,000 included)', quantity: 50_002_500, amountOre: 3 * 20 },
    ]);
    expect(estimate.totalOre).toBe(145_000 + 1_190_000 + 60);
  });

  it('charges nothing for usage within the included units', () => {
    const estimate = estimateCharges(getPlan('enterprise'), { ...period, computeUnits: 1_000, nodeHours: {} });
    expect(estimate.totalOre).toBe(0);
  });

  it('is always free on the self-hosted plan', () => {
    const estimate = estimateCharges(getPlan('self-hosted'), {
      ...period,
      computeUnits: 900_000_000,
      nodeHours: { medium: 100 },
    });
    expect(estimate.totalOre).toBe(0);
  });
});
