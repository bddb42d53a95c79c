/**
 * The catalogue planner, case by case: what the provider holds (a snapshot made from the desired catalogue, then
 * changed the way an account drifts) against what the plans need, and the changes a sync would make.
 */
import { describe, expect, it } from 'vitest';
import { type DesiredCatalogue, desiredCatalogue } from '../../../shared/domain/billing-catalogue.ts';
import {
  type CatalogueSnapshot,
  describeChange,
  type ExistingMeter,
  type ExistingPrice,
  missingFromCatalogue,
  planCatalogueChanges,
} from '../../../shared/domain/billing-catalogue-plan.ts';

const desired = desiredCatalogue();
const MEMBER_SMALL = 'carechain_managed_member_node_small_monthly';
const MEMBER_COMPUTE = 'carechain_managed_member_compute_units';

/** What Stripe holds after a complete sync of `catalogue`. */
function synced(catalogue: DesiredCatalogue = desired): CatalogueSnapshot {
  const meters: ExistingMeter[] = catalogue.meters.map((meter) => ({
    id: `mtr_${meter.eventName}`,
    eventName: meter.eventName,
    displayName: meter.displayName,
    status: 'active',
    aggregation: meter.aggregation,
    customerPayloadKey: meter.customerPayloadKey,
    valuePayloadKey: meter.valuePayloadKey,
  }));
  const prices: ExistingPrice[] = catalogue.prices.map((price) => {
    const pricing = price.pricing;
    return {
      id: `price_${price.lookupKey}`,
      lookupKey: price.lookupKey,
      productId: price.productId,
      active: true,
      currency: price.currency,
      nickname: price.nickname,
      interval: price.interval,
      intervalCount: 1,
      usageType: pricing.usageType,
      billingScheme: pricing.usageType === 'licensed' ? 'per_unit' : 'tiered',
      unitAmountOre: pricing.usageType === 'licensed' ? pricing.unitAmountOre : undefined,
      tiersMode: pricing.usageType === 'licensed' ? undefined : 'graduated',
      tiers: pricing.usageType === 'licensed' ? undefined : pricing.tiers,
      meterId: pricing.usageType === 'licensed' ? undefined : `mtr_${pricing.meterEventName}`,
      metadata: { ...price.metadata },
    };
  });
  const products = catalogue.products.map((product) => ({
    ...product,
    active: true,
    metadata: { ...product.metadata },
  }));
  return { products, prices, meters };
}

function withPrice(lookupKey: string, change: Partial<ExistingPrice>): CatalogueSnapshot {
  const snapshot = synced();
  return {
    ...snapshot,
    prices: snapshot.prices.map((price) => (price.lookupKey === lookupKey ? { ...price, ...change } : price)),
  };
}

function withMeter(eventName: string, change: Partial<ExistingMeter>): CatalogueSnapshot {
  const snapshot = synced();
  return {
    ...snapshot,
    meters: snapshot.meters.map((meter) => (meter.eventName === eventName ? { ...meter, ...change } : meter)),
  };
}

function rows(snapshot: CatalogueSnapshot) {
  const plan = planCatalogueChanges(desired, snapshot);
  return plan.changes.map(describeChange).map((row) => `${row.action} ${row.object} ${row.key}: ${row.detail}`);
}

describe('planning a sync', () => {
  it('creates everything on an empty account: meters, then products, then prices', () => {
    const plan = planCatalogueChanges(desired, { products: [], prices: [], meters: [] });
    expect(plan.conflicts).toEqual([]);
    expect(plan.changes.map((change) => change.kind)).toEqual([
      ...desired.meters.map(() => 'create-meter'),
      ...desired.products.map(() => 'create-product'),
      ...desired.prices.map(() => 'create-price'),
    ]);
  });

  it('plans nothing when the account holds the catalogue', () => {
    expect(planCatalogueChanges(desired, synced())).toEqual({ changes: [], conflicts: [] });
  });

  const cases: ReadonlyArray<readonly [string, CatalogueSnapshot, string[]]> = [
    [
      'replaces a price whose amount differs (prices are immutable)',
      withPrice(MEMBER_SMALL, { unitAmountOre: 250_000 }),
      [
        `replace price ${MEMBER_SMALL}: amount 250000 öre (2500.00 SEK) → 290000 öre (2900.00 SEK) (new price takes the lookup key, price_${MEMBER_SMALL} is archived)`,
      ],
    ],
    [
      'replaces a price billed on another interval',
      withPrice(MEMBER_SMALL, { interval: 'year' }),
      [expect.stringContaining('every 1 year → every 1 month')],
    ],
    [
      'replaces a price that belongs to another product',
      withPrice(MEMBER_SMALL, { productId: 'prod_dashboard' }),
      [expect.stringContaining('product prod_dashboard → carechain-managed-member-node-small')],
    ],
    [
      'replaces a metered price whose overage tier differs',
      withPrice(MEMBER_COMPUTE, {
        tiers: [
          { upTo: 50_000_000, unitAmountDecimal: '0' },
          { upTo: undefined, unitAmountDecimal: '0.03' },
        ],
      }),
      [expect.stringContaining('tiers 0 öre up to 50000000, 0.03 öre up to ∞ → 0 öre up to 50000000, 0.02 öre')],
    ],
    [
      'reads decimals as numbers: 0.020 is 0.02',
      withPrice(MEMBER_COMPUTE, {
        tiers: [
          { upTo: 50_000_000, unitAmountDecimal: '0.000' },
          { upTo: undefined, unitAmountDecimal: '0.020' },
        ],
      }),
      [],
    ],
    [
      'replaces a metered price that bills another meter',
      withPrice(MEMBER_COMPUTE, { meterId: 'mtr_carechain_rpc_requests' }),
      [expect.stringContaining('meter carechain_rpc_requests → carechain_rpc_compute_units')],
    ],
    [
      'replaces a metered price without tiers (per unit)',
      withPrice(MEMBER_COMPUTE, { billingScheme: 'per_unit', tiers: undefined, tiersMode: undefined }),
      [expect.stringContaining(`replace price ${MEMBER_COMPUTE}: tiers none →`)],
    ],
    [
      'reactivates an archived price that is otherwise right',
      withPrice(MEMBER_SMALL, { active: false }),
      [`update price ${MEMBER_SMALL}: archived → active`],
    ],
    [
      'renames a price in place (a nickname may change)',
      withPrice(MEMBER_SMALL, { nickname: 'Old name' }),
      [`update price ${MEMBER_SMALL}: nickname "Old name" → "Managed member node, small, monthly"`],
    ],
    [
      'restores its own metadata and leaves keys an operator added',
      withPrice(MEMBER_SMALL, { metadata: { carechain_plan: 'managed-member', team: 'finance' } }),
      [`update price ${MEMBER_SMALL}: metadata`],
    ],
    ['ignores metadata an operator added', withPrice(MEMBER_SMALL, { metadata: extraMetadata(MEMBER_SMALL) }), []],
    [
      'reactivates an archived meter instead of making another',
      withMeter('carechain_signatures', { status: 'inactive' }),
      ['reactivate meter carechain_signatures: mtr_carechain_signatures'],
    ],
    [
      'renames a meter whose display name differs',
      withMeter('carechain_signatures', { displayName: 'Signatures' }),
      ['update meter carechain_signatures: display name "Signatures" → "CareChain signatures (signatures)"'],
    ],
  ];

  it.each(cases)('%s', (_name, snapshot, expected) => {
    expect(rows(snapshot)).toEqual(expected);
  });

  it('updates a product whose name changed or that was archived, and only the fields that differ', () => {
    const snapshot = synced();
    const products = snapshot.products.map((product) =>
      product.id === 'carechain-enterprise-node-large' ? { ...product, name: 'Enterprise L', active: false } : product,
    );
    const plan = planCatalogueChanges(desired, { ...snapshot, products });
    expect(plan.changes).toEqual([
      {
        kind: 'update-product',
        product: desired.products.find((product) => product.id === 'carechain-enterprise-node-large'),
        update: { name: 'Enterprise, large', active: true },
        differences: ['name "Enterprise L" → "Enterprise, large"', 'archived → active'],
      },
    ]);
  });

  it('uses the active meter when an archived one has the same event name', () => {
    const snapshot = synced();
    const archived: ExistingMeter = { ...snapshot.meters[0]!, id: 'mtr_old', status: 'inactive' };
    expect(planCatalogueChanges(desired, { ...snapshot, meters: [archived, ...snapshot.meters] }).changes).toEqual([]);
  });

  it('creates a missing meter and replaces the metered prices that bill another one', () => {
    const snapshot = synced();
    const meters = snapshot.meters.filter((meter) => meter.eventName !== 'carechain_rpc_compute_units');
    const changed = rows({ ...snapshot, meters });
    expect(changed[0]).toBe('create meter carechain_rpc_compute_units: sum of rpc_compute_units');
    expect(changed.slice(1)).toHaveLength(3);
    for (const row of changed.slice(1)) expect(row).toMatch(/^replace price carechain_\w+_compute_units: meter /);
  });

  it('stops at a meter whose settings Stripe cannot change, and plans the rest', () => {
    const snapshot = withMeter('carechain_api_requests', { aggregation: 'count' });
    const plan = planCatalogueChanges(desired, snapshot);
    expect(plan.changes).toEqual([]);
    expect(plan.conflicts).toEqual([
      {
        subject: 'meter carechain_api_requests (mtr_carechain_api_requests)',
        reason: expect.stringContaining('it aggregates by count; billing sends sums'),
      },
    ]);
  });
});

describe('what billing cannot work without', () => {
  it('names every lookup key and meter on an empty account', () => {
    const missing = missingFromCatalogue(desired, { products: [], prices: [], meters: [] });
    expect(missing).toHaveLength(desired.prices.length + desired.meters.length);
    expect(missing).toContain(`price ${MEMBER_SMALL}`);
    expect(missing).toContain('meter carechain_node_seconds_large');
  });

  it('is nothing when the account holds the catalogue, even if a price differs from the plans', () => {
    expect(missingFromCatalogue(desired, withPrice(MEMBER_SMALL, { unitAmountOre: 1 }))).toEqual([]);
  });

  it.each([
    ['an archived price', withPrice(MEMBER_SMALL, { active: false }), `price ${MEMBER_SMALL}`],
    ['an archived meter', withMeter('carechain_signatures', { status: 'inactive' }), 'meter carechain_signatures'],
    [
      'a price of an archived product',
      (() => {
        const snapshot = synced();
        const products = snapshot.products.map((p) =>
          p.id === 'carechain-managed-member-node-small' ? { ...p, active: false } : p,
        );
        return { ...snapshot, products };
      })(),
      `price ${MEMBER_SMALL} (its product is archived)`,
    ],
  ])('counts %s as missing', (_name, snapshot, expected) => {
    expect(missingFromCatalogue(desired, snapshot)).toEqual([expected]);
  });
});

function extraMetadata(lookupKey: string) {
  const price = desired.prices.find((candidate) => candidate.lookupKey === lookupKey)!;
  return { ...price.metadata, team: 'finance' };
}
