/**
 * The Stripe catalogue billing needs, derived from the plans (plans.ts): one product per paid plan and node size
 * with its monthly seat price, one product per paid plan for compute units with its metered price, and one meter
 * per CareChain meter. Pure data: `billing:sync` compares it with what Stripe holds, and the start-up check asks
 * whether every lookup key and meter event name in it exists.
 *
 * Amounts are in öre. Product ids are ours (Stripe accepts a chosen id), so a product is found by id; prices are
 * found by lookup key, which is what Checkout and seat changes look them up by.
 */
import { METER_DEFINITIONS, METERS, type Meter } from './metering.ts';
import { NODE_SIZES, type NodeSize } from './node.ts';
import { PLANS, type Plan, type PlanId, STRIPE_METER_EVENT_NAMES } from './plans.ts';

/** Metadata keys on what the catalogue creates, so an operator can tell CareChain's objects in the Dashboard. */
export const CATALOGUE_METADATA = {
  plan: 'carechain_plan',
  nodeSize: 'carechain_node_size',
  item: 'carechain_item',
  /**
   * On prices: the lookup key the price was created for. A price keeps it after its lookup key moved to a newer
   * price, so subscriptions still on the old price are recognised by plan and size.
   */
  lookupKey: 'carechain_lookup_key',
} as const;

export interface DesiredProduct {
  /** Stripe product id, chosen by us: `carechain-<plan>-node-<size>` or `carechain-<plan>-compute-units`. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** What one unit is called on invoices (Stripe allows at most 12 characters). */
  readonly unitLabel: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** One tier of a graduated price: units up to `upTo` (inclusive; undefined = no limit) cost `unitAmountDecimal`. */
export interface PriceTier {
  readonly upTo: number | undefined;
  /** Öre per unit as a decimal string (at most 12 decimal places), e.g. `'0.02'`. */
  readonly unitAmountDecimal: string;
}

export type DesiredPricing =
  /** A seat: `quantity` units at `unitAmountOre` each, every month. */
  | { readonly usageType: 'licensed'; readonly unitAmountOre: number }
  /** Usage reported to a meter, priced by graduated tiers (the included units are a free first tier). */
  | { readonly usageType: 'metered'; readonly meterEventName: string; readonly tiers: readonly PriceTier[] };

export interface DesiredPrice {
  readonly lookupKey: string;
  readonly productId: string;
  readonly currency: 'sek';
  readonly interval: 'month';
  readonly nickname: string;
  readonly pricing: DesiredPricing;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface DesiredMeter {
  readonly meter: Meter;
  readonly eventName: string;
  readonly displayName: string;
  /** Billing sends one pre-aggregated event per organisation, meter and hour, so the period's total is a sum. */
  readonly aggregation: 'sum';
  /** Payload keys of the meter events billing sends (StripeBilling.sendMeterEvent). */
  readonly customerPayloadKey: 'stripe_customer_id';
  readonly valuePayloadKey: 'value';
}

export interface DesiredCatalogue {
  readonly products: readonly DesiredProduct[];
  readonly prices: readonly DesiredPrice[];
  readonly meters: readonly DesiredMeter[];
}

export function nodeProductId(planId: PlanId, size: NodeSize): string {
  return `carechain-${planId}-node-${size}`;
}

export function computeUnitsProductId(planId: PlanId): string {
  return `carechain-${planId}-compute-units`;
}

/** The catalogue for these plans and meter event names (the defaults are what billing uses). */
export function desiredCatalogue(
  plans: readonly Plan[] = PLANS,
  meterEventNames: Readonly<Record<Meter, string>> = STRIPE_METER_EVENT_NAMES,
): DesiredCatalogue {
  const products: DesiredProduct[] = [];
  const prices: DesiredPrice[] = [];
  for (const plan of plans) {
    const lookupKeys = plan.stripePrices;
    if (!lookupKeys) continue;
    for (const size of NODE_SIZES) {
      const productId = nodeProductId(plan.id, size);
      const metadata = { [CATALOGUE_METADATA.plan]: plan.id, [CATALOGUE_METADATA.nodeSize]: size };
      products.push({
        id: productId,
        name: `${plan.name}, ${size}`,
        description: plan.description,
        unitLabel: 'node',
        metadata,
      });
      const lookupKey = lookupKeys.nodeMonthly[size];
      prices.push({
        lookupKey,
        productId,
        currency: plan.currency,
        interval: 'month',
        nickname: `${plan.name}, ${size}, monthly`,
        pricing: { usageType: 'licensed', unitAmountOre: plan.monthlyPriceOre[size] },
        metadata: { ...metadata, [CATALOGUE_METADATA.lookupKey]: lookupKey },
      });
    }
    const productId = computeUnitsProductId(plan.id);
    const metadata = { [CATALOGUE_METADATA.plan]: plan.id, [CATALOGUE_METADATA.item]: 'compute_units' };
    const included = plan.includedComputeUnits.toLocaleString('en-US');
    products.push({
      id: productId,
      name: `${plan.name}, compute units`,
      description: `JSON-RPC compute units beyond the ${included} included each month`,
      unitLabel: 'compute unit',
      metadata,
    });
    const lookupKey = lookupKeys.computeUnitOverage;
    prices.push({
      lookupKey,
      productId,
      currency: plan.currency,
      interval: 'month',
      nickname: `${plan.name}, compute units beyond ${included}`,
      pricing: {
        usageType: 'metered',
        meterEventName: meterEventNames.rpc_compute_units,
        tiers: [
          { upTo: plan.includedComputeUnits, unitAmountDecimal: '0' },
          { upTo: undefined, unitAmountDecimal: perThousandToPerUnit(plan.overagePer1000ComputeUnitsOre) },
        ],
      },
      metadata: { ...metadata, [CATALOGUE_METADATA.lookupKey]: lookupKey },
    });
  }
  const meters = METERS.map(
    (meter): DesiredMeter => ({
      meter,
      eventName: meterEventNames[meter],
      displayName: `CareChain ${meter} (${METER_DEFINITIONS[meter].recordedIn}s)`,
      aggregation: 'sum',
      customerPayloadKey: 'stripe_customer_id',
      valuePayloadKey: 'value',
    }),
  );
  return { products, prices, meters };
}

/**
 * Öre per 1,000 units as öre per unit, exactly (string arithmetic, no binary fractions): 20 → '0.02'.
 * Stripe prices a metered tier per unit; a tier cannot be combined with `transform_quantity`.
 */
export function perThousandToPerUnit(orePerThousand: number): string {
  if (!Number.isSafeInteger(orePerThousand) || orePerThousand < 0) {
    throw new RangeError(`A price per 1,000 units is a whole number of öre, not ${orePerThousand}`);
  }
  const digits = String(orePerThousand).padStart(4, '0');
  const whole = digits.slice(0, -3).replace(/^0+(?=\d)/, '');
  const fraction = digits.slice(-3).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

/** A decimal string in its shortest form ('0.020' → '0.02', '5.0' → '5'), for comparing Stripe's with ours. */
export function normaliseDecimal(value: string): string {
  const trimmed = value.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return trimmed;
  const [whole = '0', fraction = ''] = trimmed.split('.');
  const cleanWhole = whole.replace(/^0+(?=\d)/, '');
  const cleanFraction = fraction.replace(/0+$/, '');
  return cleanFraction ? `${cleanWhole}.${cleanFraction}` : cleanWhole;
}
