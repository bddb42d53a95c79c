/**
 * BillingCatalogue on Stripe: products by our ids, prices by lookup key (with their tiers, which Stripe returns
 * only when expanded), billing meters by event name, and the single writes `billing:sync` plans.
 *
 * Creates rely on Stripe's own uniqueness to stay safe when two syncs run at once: a product id and a lookup key
 * can each be taken once, so the slower run is refused instead of making a twin. Meters have no such key, so a
 * meter is created with an idempotency key per event name: a concurrent second create returns the first meter.
 */
import type Stripe from 'stripe';
import type { DesiredMeter, DesiredPrice, DesiredProduct, PriceTier } from '../../domain/billing-catalogue.ts';
import type {
  CatalogueSnapshot,
  ExistingMeter,
  ExistingPrice,
  ExistingProduct,
  PriceUpdate,
  ProductUpdate,
} from '../../domain/billing-catalogue-plan.ts';
import type { BillingCatalogue, CatalogueQuery } from '../../ports/billing-catalogue.ts';
import {
  callStripe,
  createStripeClient,
  type StripeClient,
  type StripeClientOptions,
  stripeKeyMode,
  stripePackage,
} from './stripe-client.ts';

/** Stripe filters prices by at most 10 lookup keys per request. */
const LOOKUP_KEYS_PER_REQUEST = 10;

export class StripeBillingCatalogue implements BillingCatalogue {
  readonly mode: 'test' | 'live';
  private readonly stripe: StripeClient;

  constructor(options: StripeClientOptions) {
    this.stripe = createStripeClient(options);
    this.mode = stripeKeyMode(options.secretKey);
  }

  async read(query: CatalogueQuery): Promise<CatalogueSnapshot> {
    return this.call('read the catalogue', async (stripe) => {
      const [products, prices, meters] = await Promise.all([
        this.products(stripe, query.productIds),
        this.prices(stripe, query.lookupKeys),
        this.meters(stripe, query.meterEventNames),
      ]);
      return { products, prices, meters };
    });
  }

  async createMeter(meter: DesiredMeter): Promise<string> {
    const created = await this.call('create a meter', (stripe) =>
      stripe.billing.meters.create(
        {
          display_name: meter.displayName,
          event_name: meter.eventName,
          default_aggregation: { formula: meter.aggregation },
          customer_mapping: { type: 'by_id', event_payload_key: meter.customerPayloadKey },
          value_settings: { event_payload_key: meter.valuePayloadKey },
        },
        { idempotencyKey: `carechain-meter-${meter.eventName}` },
      ),
    );
    return created.id;
  }

  async reactivateMeter(meterId: string): Promise<void> {
    await this.call('reactivate a meter', (stripe) => stripe.billing.meters.reactivate(meterId));
  }

  async renameMeter(meterId: string, displayName: string): Promise<void> {
    await this.call('rename a meter', (stripe) => stripe.billing.meters.update(meterId, { display_name: displayName }));
  }

  async createProduct(product: DesiredProduct): Promise<void> {
    await this.call('create a product', (stripe) =>
      stripe.products.create({
        id: product.id,
        name: product.name,
        description: product.description,
        unit_label: product.unitLabel,
        metadata: { ...product.metadata },
      }),
    );
  }

  async updateProduct(productId: string, update: ProductUpdate): Promise<void> {
    await this.call('update a product', (stripe) =>
      stripe.products.update(productId, {
        name: update.name,
        description: update.description,
        unit_label: update.unitLabel,
        active: update.active,
        metadata: update.metadata && { ...update.metadata },
      }),
    );
  }

  async createPrice(
    price: DesiredPrice,
    options: { readonly meterId: string | undefined; readonly transferLookupKey: boolean },
  ): Promise<string> {
    const common = {
      product: price.productId,
      currency: price.currency,
      nickname: price.nickname,
      lookup_key: price.lookupKey,
      metadata: { ...price.metadata },
      ...(options.transferLookupKey && { transfer_lookup_key: true }),
    };
    const pricing = price.pricing;
    const { Decimal } = (await stripePackage()).default;
    const params: Stripe.PriceCreateParams =
      pricing.usageType === 'licensed'
        ? { ...common, unit_amount: pricing.unitAmountOre, recurring: { interval: price.interval } }
        : {
            ...common,
            billing_scheme: 'tiered',
            tiers_mode: 'graduated',
            tiers: pricing.tiers.map((tier) => ({
              up_to: tier.upTo ?? 'inf',
              unit_amount_decimal: Decimal.from(tier.unitAmountDecimal),
            })),
            recurring: { interval: price.interval, usage_type: 'metered', meter: options.meterId },
          };
    const created = await this.call('create a price', (stripe) => stripe.prices.create(params));
    return created.id;
  }

  async updatePrice(priceId: string, update: PriceUpdate): Promise<void> {
    await this.call('update a price', (stripe) =>
      stripe.prices.update(priceId, {
        active: update.active,
        nickname: update.nickname,
        metadata: update.metadata && { ...update.metadata },
      }),
    );
  }

  async archivePrice(priceId: string): Promise<void> {
    await this.call('archive a price', (stripe) => stripe.prices.update(priceId, { active: false }));
  }

  private async products(stripe: Stripe, ids: readonly string[]): Promise<ExistingProduct[]> {
    if (ids.length === 0) return [];
    const found: ExistingProduct[] = [];
    for await (const product of stripe.products.list({ ids: [...ids], limit: 100 })) {
      found.push({
        id: product.id,
        name: product.name,
        description: product.description ?? undefined,
        unitLabel: product.unit_label ?? undefined,
        active: product.active,
        metadata: product.metadata ?? {},
      });
    }
    return found;
  }

  /**
   * Active and archived prices holding the keys: an archived price keeps its lookup key, and a new price can take
   * the key only by transferring it. Stripe lists active prices unless told otherwise, so both are asked for.
   */
  private async prices(stripe: Stripe, lookupKeys: readonly string[]): Promise<ExistingPrice[]> {
    const found: ExistingPrice[] = [];
    for (let i = 0; i < lookupKeys.length; i += LOOKUP_KEYS_PER_REQUEST) {
      const keys = lookupKeys.slice(i, i + LOOKUP_KEYS_PER_REQUEST);
      for (const active of [true, false]) {
        const list = stripe.prices.list({ lookup_keys: keys, active, limit: 100, expand: ['data.tiers'] });
        for await (const price of list) found.push(toExistingPrice(price));
      }
    }
    return found;
  }

  private async meters(stripe: Stripe, eventNames: readonly string[]): Promise<ExistingMeter[]> {
    const wanted = new Set(eventNames);
    const found: ExistingMeter[] = [];
    for await (const meter of stripe.billing.meters.list({ limit: 100 })) {
      if (!wanted.has(meter.event_name)) continue;
      found.push({
        id: meter.id,
        eventName: meter.event_name,
        displayName: meter.display_name,
        status: meter.status === 'active' ? 'active' : 'inactive',
        aggregation: meter.default_aggregation.formula,
        customerPayloadKey: meter.customer_mapping?.event_payload_key,
        valuePayloadKey: meter.value_settings?.event_payload_key,
      });
    }
    return found;
  }

  private call<T>(action: string, request: (stripe: Stripe) => Promise<T>): Promise<T> {
    return callStripe(this.stripe, action, request);
  }
}

function toExistingPrice(price: Stripe.Price): ExistingPrice {
  return {
    id: price.id,
    lookupKey: price.lookup_key ?? undefined,
    productId: typeof price.product === 'string' ? price.product : price.product.id,
    active: price.active,
    currency: price.currency,
    nickname: price.nickname ?? undefined,
    interval: price.recurring?.interval,
    intervalCount: price.recurring?.interval_count,
    usageType: price.recurring?.usage_type,
    billingScheme: price.billing_scheme,
    unitAmountOre: price.unit_amount ?? undefined,
    tiersMode: price.tiers_mode ?? undefined,
    tiers: price.tiers?.map(toTier),
    meterId: price.recurring?.meter ?? undefined,
    metadata: price.metadata ?? {},
  };
}

function toTier(tier: Stripe.Price.Tier): PriceTier {
  const decimal = tier.unit_amount_decimal ?? tier.unit_amount;
  return { upTo: tier.up_to ?? undefined, unitAmountDecimal: decimal === null ? '0' : String(decimal) };
}
