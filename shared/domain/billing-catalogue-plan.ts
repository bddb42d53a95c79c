/**
 * What `billing:sync` has to do: the desired catalogue (billing-catalogue.ts) compared with what the payment
 * provider holds, as an ordered list of changes. Pure: the same inputs give the same plan, so a dry run shows
 * exactly what a run would write, and a second run after a successful one finds nothing to do.
 *
 * Stripe's rules shape the changes. Prices are immutable: a price whose amount, tiers, product, meter or interval
 * differ is replaced by a new one that takes over the lookup key (`transfer_lookup_key`), and the old one is
 * archived; subscriptions on it keep it. Only a price's nickname, metadata and active flag change in place.
 * Meters are never recreated (their usage history lives in them): an inactive one is reactivated, and one whose
 * aggregation or payload keys differ is a conflict for an operator, since Stripe cannot change those.
 */
import {
  CATALOGUE_METADATA,
  type DesiredCatalogue,
  type DesiredMeter,
  type DesiredPrice,
  type DesiredProduct,
  normaliseDecimal,
  type PriceTier,
} from './billing-catalogue.ts';

export interface ExistingProduct {
  readonly id: string;
  readonly name: string;
  readonly description: string | undefined;
  readonly unitLabel: string | undefined;
  readonly active: boolean;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ExistingPrice {
  readonly id: string;
  readonly lookupKey: string | undefined;
  readonly productId: string;
  readonly active: boolean;
  readonly currency: string;
  readonly nickname: string | undefined;
  readonly interval: string | undefined;
  readonly intervalCount: number | undefined;
  readonly usageType: string | undefined;
  readonly billingScheme: string | undefined;
  /** `unit_amount` of a per-unit price, in öre. */
  readonly unitAmountOre: number | undefined;
  readonly tiersMode: string | undefined;
  readonly tiers: readonly PriceTier[] | undefined;
  readonly meterId: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ExistingMeter {
  readonly id: string;
  readonly eventName: string;
  readonly displayName: string;
  readonly status: 'active' | 'inactive';
  readonly aggregation: string;
  readonly customerPayloadKey: string | undefined;
  readonly valuePayloadKey: string | undefined;
}

/** What the provider holds of the catalogue: products by our ids, prices by lookup key, meters by event name. */
export interface CatalogueSnapshot {
  readonly products: readonly ExistingProduct[];
  readonly prices: readonly ExistingPrice[];
  readonly meters: readonly ExistingMeter[];
}

export interface ProductUpdate {
  readonly name?: string;
  readonly description?: string;
  readonly unitLabel?: string;
  readonly active?: true;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface PriceUpdate {
  readonly active?: true;
  readonly nickname?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export type CatalogueChange =
  | { readonly kind: 'create-meter'; readonly meter: DesiredMeter }
  | { readonly kind: 'reactivate-meter'; readonly meter: DesiredMeter; readonly meterId: string }
  | { readonly kind: 'rename-meter'; readonly meter: DesiredMeter; readonly meterId: string; readonly from: string }
  | { readonly kind: 'create-product'; readonly product: DesiredProduct }
  | {
      readonly kind: 'update-product';
      readonly product: DesiredProduct;
      readonly update: ProductUpdate;
      readonly differences: readonly string[];
    }
  | { readonly kind: 'create-price'; readonly price: DesiredPrice }
  | {
      readonly kind: 'replace-price';
      readonly price: DesiredPrice;
      readonly replaces: ExistingPrice;
      readonly differences: readonly string[];
    }
  | {
      readonly kind: 'update-price';
      readonly price: DesiredPrice;
      readonly priceId: string;
      readonly update: PriceUpdate;
      readonly differences: readonly string[];
    };

/** Something the sync must not fix on its own; nothing is written while one exists. */
export interface CatalogueConflict {
  readonly subject: string;
  readonly reason: string;
}

export interface CataloguePlan {
  readonly changes: readonly CatalogueChange[];
  readonly conflicts: readonly CatalogueConflict[];
}

/** Meters first (metered prices name them), then products (prices belong to them), then prices. */
export function planCatalogueChanges(desired: DesiredCatalogue, current: CatalogueSnapshot): CataloguePlan {
  const changes: CatalogueChange[] = [];
  const conflicts: CatalogueConflict[] = [];
  for (const meter of desired.meters) {
    const outcome = planMeter(meter, current.meters);
    changes.push(...outcome.changes);
    if (outcome.conflict) conflicts.push(outcome.conflict);
  }
  for (const product of desired.products) {
    const change = planProduct(product, current.products);
    if (change) changes.push(change);
  }
  const meterEventNames = new Map(current.meters.map((meter) => [meter.id, meter.eventName]));
  for (const price of desired.prices) {
    const change = planPrice(price, current.prices, meterEventNames);
    if (change) changes.push(change);
  }
  return { changes, conflicts };
}

function planMeter(
  desired: DesiredMeter,
  meters: readonly ExistingMeter[],
): { changes: CatalogueChange[]; conflict?: CatalogueConflict } {
  const candidates = meters.filter((meter) => meter.eventName === desired.eventName);
  const existing = candidates.find((meter) => meter.status === 'active') ?? candidates[0];
  if (!existing) return { changes: [{ kind: 'create-meter', meter: desired }] };
  const fixed: string[] = [];
  if (existing.aggregation !== desired.aggregation) fixed.push(`aggregates by ${existing.aggregation}`);
  if (existing.customerPayloadKey !== desired.customerPayloadKey) {
    fixed.push(`maps customers from payload key ${String(existing.customerPayloadKey)}`);
  }
  if (existing.valuePayloadKey !== desired.valuePayloadKey) {
    fixed.push(`reads values from payload key ${String(existing.valuePayloadKey)}`);
  }
  if (fixed.length > 0) {
    return {
      changes: [],
      conflict: {
        subject: `meter ${desired.eventName} (${existing.id})`,
        reason:
          `it ${fixed.join(', ')}; billing sends ${desired.aggregation}s with ${desired.customerPayloadKey} and ` +
          `${desired.valuePayloadKey}. Stripe cannot change a meter's settings: correct or replace it in the Dashboard`,
      },
    };
  }
  const changes: CatalogueChange[] = [];
  if (existing.status !== 'active') changes.push({ kind: 'reactivate-meter', meter: desired, meterId: existing.id });
  if (existing.displayName !== desired.displayName) {
    changes.push({ kind: 'rename-meter', meter: desired, meterId: existing.id, from: existing.displayName });
  }
  return { changes };
}

function planProduct(desired: DesiredProduct, products: readonly ExistingProduct[]): CatalogueChange | undefined {
  const existing = products.find((product) => product.id === desired.id);
  if (!existing) return { kind: 'create-product', product: desired };
  const update: { -readonly [K in keyof ProductUpdate]: ProductUpdate[K] } = {};
  const differences: string[] = [];
  if (existing.name !== desired.name) {
    update.name = desired.name;
    differences.push(`name ${quote(existing.name)} → ${quote(desired.name)}`);
  }
  if (existing.description !== desired.description) {
    update.description = desired.description;
    differences.push('description');
  }
  if (existing.unitLabel !== desired.unitLabel) {
    update.unitLabel = desired.unitLabel;
    differences.push(`unit label ${quote(existing.unitLabel)} → ${quote(desired.unitLabel)}`);
  }
  if (!existing.active) {
    update.active = true;
    differences.push('archived → active');
  }
  if (!includesMetadata(existing.metadata, desired.metadata)) {
    update.metadata = desired.metadata;
    differences.push('metadata');
  }
  return differences.length > 0 ? { kind: 'update-product', product: desired, update, differences } : undefined;
}

function planPrice(
  desired: DesiredPrice,
  prices: readonly ExistingPrice[],
  meterEventNames: ReadonlyMap<string, string>,
): CatalogueChange | undefined {
  const existing = prices.find((price) => price.lookupKey === desired.lookupKey);
  if (!existing) return { kind: 'create-price', price: desired };
  const fixed = immutableDifferences(desired, existing, meterEventNames);
  if (fixed.length > 0) return { kind: 'replace-price', price: desired, replaces: existing, differences: fixed };
  const update: { -readonly [K in keyof PriceUpdate]: PriceUpdate[K] } = {};
  const differences: string[] = [];
  if (!existing.active) {
    update.active = true;
    differences.push('archived → active');
  }
  if (existing.nickname !== desired.nickname) {
    update.nickname = desired.nickname;
    differences.push(`nickname ${quote(existing.nickname)} → ${quote(desired.nickname)}`);
  }
  if (!includesMetadata(existing.metadata, desired.metadata)) {
    update.metadata = desired.metadata;
    differences.push('metadata');
  }
  return differences.length > 0
    ? { kind: 'update-price', price: desired, priceId: existing.id, update, differences }
    : undefined;
}

/** What Stripe does not let a price change; any of it means a new price. */
function immutableDifferences(
  desired: DesiredPrice,
  existing: ExistingPrice,
  meterEventNames: ReadonlyMap<string, string>,
): string[] {
  const differences: string[] = [];
  if (existing.productId !== desired.productId)
    differences.push(`product ${existing.productId} → ${desired.productId}`);
  if (existing.currency !== desired.currency) differences.push(`currency ${existing.currency} → ${desired.currency}`);
  if (existing.interval !== desired.interval || (existing.intervalCount ?? 1) !== 1) {
    differences.push(`every ${existing.intervalCount ?? 1} ${String(existing.interval)} → every 1 ${desired.interval}`);
  }
  if (existing.usageType !== desired.pricing.usageType) {
    differences.push(`usage ${String(existing.usageType)} → ${desired.pricing.usageType}`);
  }
  const pricing = desired.pricing;
  if (pricing.usageType === 'licensed') {
    if ((existing.billingScheme ?? 'per_unit') !== 'per_unit' || existing.unitAmountOre !== pricing.unitAmountOre) {
      differences.push(`amount ${formatOre(existing.unitAmountOre)} → ${formatOre(pricing.unitAmountOre)}`);
    }
    return differences;
  }
  const meterEventName = existing.meterId ? meterEventNames.get(existing.meterId) : undefined;
  if (meterEventName !== pricing.meterEventName) {
    differences.push(`meter ${meterEventName ?? existing.meterId ?? 'none'} → ${pricing.meterEventName}`);
  }
  if (
    existing.billingScheme !== 'tiered' ||
    existing.tiersMode !== 'graduated' ||
    !sameTiers(existing, pricing.tiers)
  ) {
    differences.push(`tiers ${formatTiers(existing.tiers)} → ${formatTiers(pricing.tiers)}`);
  }
  return differences;
}

function sameTiers(existing: ExistingPrice, tiers: readonly PriceTier[]): boolean {
  const current = existing.tiers;
  if (!current || current.length !== tiers.length) return false;
  return tiers.every((tier, i) => {
    const other = current[i];
    return (
      other !== undefined &&
      other.upTo === tier.upTo &&
      normaliseDecimal(other.unitAmountDecimal) === normaliseDecimal(tier.unitAmountDecimal)
    );
  });
}

/** Our metadata keys hold our values; keys an operator added in the Dashboard are left alone. */
function includesMetadata(existing: Readonly<Record<string, string>>, desired: Readonly<Record<string, string>>) {
  return Object.entries(desired).every(([key, value]) => existing[key] === value);
}

/** Lookup keys without an active price and meter event names without an active meter: billing fails on these. */
export function missingFromCatalogue(desired: DesiredCatalogue, current: CatalogueSnapshot): string[] {
  const missing: string[] = [];
  const archivedProducts = new Set(current.products.filter((p) => !p.active).map((p) => p.id));
  for (const price of desired.prices) {
    const held = current.prices.find((p) => p.lookupKey === price.lookupKey && p.active);
    if (!held) missing.push(`price ${price.lookupKey}`);
    else if (archivedProducts.has(held.productId)) missing.push(`price ${price.lookupKey} (its product is archived)`);
  }
  for (const meter of desired.meters) {
    if (!current.meters.some((m) => m.eventName === meter.eventName && m.status === 'active')) {
      missing.push(`meter ${meter.eventName}`);
    }
  }
  return missing;
}

/** The catalogue key a price was created for: its metadata survives a lookup-key transfer, the lookup key does not. */
export function catalogueKeyOf(price: { lookupKey: string | undefined; metadata: Readonly<Record<string, string>> }) {
  return price.lookupKey ?? price.metadata[CATALOGUE_METADATA.lookupKey];
}

export interface ChangeRow {
  readonly action: string;
  readonly object: string;
  readonly key: string;
  readonly detail: string;
}

/** One line per change, for the dry-run table and the function's answer. */
export function describeChange(change: CatalogueChange): ChangeRow {
  switch (change.kind) {
    case 'create-meter':
      return { action: 'create', object: 'meter', key: change.meter.eventName, detail: `sum of ${change.meter.meter}` };
    case 'reactivate-meter':
      return { action: 'reactivate', object: 'meter', key: change.meter.eventName, detail: change.meterId };
    case 'rename-meter':
      return {
        action: 'update',
        object: 'meter',
        key: change.meter.eventName,
        detail: `display name ${quote(change.from)} → ${quote(change.meter.displayName)}`,
      };
    case 'create-product':
      return { action: 'create', object: 'product', key: change.product.id, detail: change.product.name };
    case 'update-product':
      return { action: 'update', object: 'product', key: change.product.id, detail: change.differences.join('; ') };
    case 'create-price':
      return { action: 'create', object: 'price', key: change.price.lookupKey, detail: describePricing(change.price) };
    case 'replace-price':
      return {
        action: 'replace',
        object: 'price',
        key: change.price.lookupKey,
        detail: `${change.differences.join('; ')} (new price takes the lookup key, ${change.replaces.id} is archived)`,
      };
    case 'update-price':
      return { action: 'update', object: 'price', key: change.price.lookupKey, detail: change.differences.join('; ') };
  }
}

function describePricing(price: DesiredPrice): string {
  const pricing = price.pricing;
  if (pricing.usageType === 'licensed') return `${formatOre(pricing.unitAmountOre)} per ${price.interval}`;
  return `metered on ${pricing.meterEventName}, tiers ${formatTiers(pricing.tiers)}`;
}

function formatOre(ore: number | undefined): string {
  return ore === undefined ? 'none' : `${ore} öre (${(ore / 100).toFixed(2)} SEK)`;
}

function formatTiers(tiers: readonly PriceTier[] | undefined): string {
  if (!tiers) return 'none';
  return tiers.map((tier) => `${tier.unitAmountDecimal} öre up to ${tier.upTo ?? '∞'}`).join(', ');
}

function quote(value: string | undefined): string {
  return value === undefined ? 'none' : JSON.stringify(value);
}
