/**
 * The catalogue part of the fake Stripe server: products (ids may be chosen), prices and billing meters, with
 * Stripe's rules as billing depends on them. A lookup key is held by one price at a time, archived or not; a
 * second price may take it only with `transfer_lookup_key`, which clears it from the holder. Prices are immutable
 * (an update that names the amount is refused as an unknown parameter); tiers are returned only when expanded;
 * a metered price needs an active meter; a meter's event name is taken once, and meters are never deleted.
 */
import {
  asArray,
  asBoolean,
  asObject,
  invalid,
  type Json,
  list,
  mergeMetadata,
  missing,
  missingReference,
  newId,
  refuseUnknown,
  StripeApiError,
} from './wire.ts';

export interface FakePrice {
  readonly lookupKey: string;
  readonly unitAmount?: number;
  readonly usageType?: 'licensed' | 'metered';
}

type Handler = (params: Json) => Json;

const INTERVALS = ['day', 'week', 'month', 'year'];
const FORMULAS = ['sum', 'count', 'last'];

export class FakeCatalogue {
  readonly products = new Map<string, Json>();
  readonly prices = new Map<string, Json>();
  readonly meters = new Map<string, Json>();
  /** Tiers by price id: Stripe leaves them out of a price unless `expand` asks for them. */
  private readonly tiers = new Map<string, Json[]>();

  constructor(private readonly seconds: () => number) {}

  /** A ready-made price (no product), as a test seeds Stripe with. */
  addPrice(price: FakePrice): Json {
    const object = this.priceObject({
      lookup_key: price.lookupKey,
      unit_amount: price.unitAmount ?? null,
      unit_amount_decimal: price.unitAmount === undefined ? null : String(price.unitAmount),
      recurring: recurringObject('month', price.usageType ?? 'licensed', null),
    });
    this.prices.set(object.id as string, object);
    return object;
  }

  /** The handler for a catalogue request, or undefined when the path is not the catalogue's. */
  route(method: string, path: string): Handler | undefined {
    const parts = path.split('/').filter(Boolean);
    const id = parts.at(-1) ?? '';
    const key = `${method} ${path}`;
    if (key === 'POST /v1/products') return (p) => this.createProduct(p);
    if (key === 'GET /v1/products') return (p) => this.listProducts(p);
    if (/^\/v1\/products\/[^/]+$/.test(path)) {
      if (method === 'GET') return () => this.must(this.products, id, 'product');
      if (method === 'POST') return (p) => this.updateProduct(id, p);
    }
    if (key === 'POST /v1/prices') return (p) => this.createPrice(p);
    if (key === 'GET /v1/prices') return (p) => this.listPrices(p);
    if (/^\/v1\/prices\/[^/]+$/.test(path)) {
      if (method === 'GET') return (p) => this.output(this.must(this.prices, id, 'price'), p, '');
      if (method === 'POST') return (p) => this.updatePrice(id, p);
    }
    if (key === 'POST /v1/billing/meters') return (p) => this.createMeter(p);
    if (key === 'GET /v1/billing/meters') return (p) => this.listMeters(p);
    const meterAction = /^\/v1\/billing\/meters\/([^/]+)(?:\/(deactivate|reactivate))?$/.exec(path);
    if (meterAction) {
      const [, meterId = '', action] = meterAction;
      if (method === 'GET' && !action) return () => this.must(this.meters, meterId, 'billing.meter');
      if (method === 'POST' && !action) return (p) => this.updateMeter(meterId, p);
      if (method === 'POST' && action) return () => this.setMeterStatus(meterId, action === 'reactivate');
    }
    return undefined;
  }

  private createProduct(params: Json): Json {
    if (!params.name) throw invalid('Missing required param: name.', 'name');
    const id = params.id === undefined ? newId('prod') : String(params.id);
    if (this.products.has(id)) {
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        code: 'resource_already_exists',
        message: 'Product already exists.',
        param: 'id',
      });
    }
    const now = this.seconds();
    const product: Json = {
      id,
      object: 'product',
      active: asBoolean(params.active) ?? true,
      created: now,
      default_price: null,
      description: params.description ?? null,
      images: [],
      livemode: false,
      marketing_features: [],
      metadata: asObject(params.metadata),
      name: params.name,
      package_dimensions: null,
      shippable: null,
      statement_descriptor: null,
      tax_code: null,
      type: 'service',
      unit_label: params.unit_label ?? null,
      updated: now,
      url: null,
    };
    this.products.set(id, product);
    return product;
  }

  private updateProduct(id: string, params: Json): Json {
    const product = this.must(this.products, id, 'product');
    refuseUnknown(params, ['name', 'description', 'unit_label', 'active', 'metadata']);
    for (const field of ['name', 'description', 'unit_label'] as const) {
      if (params[field] !== undefined) product[field] = params[field] === '' ? null : params[field];
    }
    if (params.active !== undefined) product.active = asBoolean(params.active);
    if (params.metadata !== undefined) product.metadata = mergeMetadata(product.metadata, params.metadata);
    product.updated = this.seconds();
    return product;
  }

  private listProducts(params: Json): Json {
    const ids = asArray(params.ids).map(String);
    const active = asBoolean(params.active);
    const data = [...this.products.values()].filter(
      (product) =>
        (ids.length === 0 || ids.includes(String(product.id))) && (active === undefined || product.active === active),
    );
    return list('/v1/products', data);
  }

  private createPrice(params: Json): Json {
    const productId = String(params.product ?? '');
    if (!productId) throw invalid('Missing required param: product.', 'product');
    if (!this.products.has(productId)) throw missingReference('product', productId, 'product');
    if (params.currency !== 'sek') throw invalid('Invalid currency (this fake prices in sek only).', 'currency');
    const recurringParams = asObject(params.recurring);
    if (!INTERVALS.includes(String(recurringParams.interval))) {
      throw invalid('Missing required param: recurring[interval].', 'recurring[interval]');
    }
    const usageType = String(recurringParams.usage_type ?? 'licensed');
    const meterId = recurringParams.meter === undefined ? null : String(recurringParams.meter);
    if (usageType === 'metered') {
      if (!meterId)
        throw invalid('A metered price must name the meter it bills: recurring[meter].', 'recurring[meter]');
      const meter = this.meters.get(meterId);
      if (!meter) throw missingReference('billing.meter', meterId, 'recurring[meter]');
      if (meter.status !== 'active') throw invalid(`The meter ${meterId} is inactive.`, 'recurring[meter]');
    }
    const tiered = params.billing_scheme === 'tiered';
    const tiers = asArray(params.tiers).map(asObject);
    if (tiered) {
      if (params.tiers_mode !== 'graduated' && params.tiers_mode !== 'volume') {
        throw invalid('Missing required param: tiers_mode.', 'tiers_mode');
      }
      if (tiers.length === 0 || tiers.at(-1)?.up_to !== 'inf') {
        throw invalid('The last tier must have up_to set to inf.', 'tiers');
      }
    } else if (params.unit_amount === undefined && params.unit_amount_decimal === undefined) {
      throw invalid('Missing required param: unit_amount.', 'unit_amount');
    }
    const lookupKey = params.lookup_key === undefined ? null : String(params.lookup_key);
    if (lookupKey) this.takeLookupKey(lookupKey, asBoolean(params.transfer_lookup_key) === true);
    const unitAmount = tiered ? null : Number(params.unit_amount ?? params.unit_amount_decimal);
    const price = this.priceObject({
      product: productId,
      lookup_key: lookupKey,
      nickname: params.nickname ?? null,
      metadata: asObject(params.metadata),
      active: asBoolean(params.active) ?? true,
      billing_scheme: tiered ? 'tiered' : 'per_unit',
      tiers_mode: tiered ? params.tiers_mode : null,
      unit_amount: unitAmount,
      unit_amount_decimal: unitAmount === null ? null : String(unitAmount),
      recurring: recurringObject(String(recurringParams.interval), usageType, meterId),
    });
    this.prices.set(price.id as string, price);
    if (tiered) this.tiers.set(price.id as string, tiers.map(tierObject));
    return this.output(price, params, '');
  }

  /** As Stripe: a key in use (by any price, archived too) is refused unless it is transferred. */
  private takeLookupKey(lookupKey: string, transfer: boolean): void {
    const holder = [...this.prices.values()].find((price) => price.lookup_key === lookupKey);
    if (!holder) return;
    if (!transfer) throw invalid(`A price (\`${String(holder.id)}\`) already uses that lookup key.`, 'lookup_key');
    holder.lookup_key = null;
  }

  private updatePrice(id: string, params: Json): Json {
    const price = this.must(this.prices, id, 'price');
    refuseUnknown(params, ['active', 'nickname', 'metadata', 'lookup_key', 'transfer_lookup_key', 'expand']);
    if (params.active !== undefined) price.active = asBoolean(params.active);
    if (params.nickname !== undefined) price.nickname = params.nickname === '' ? null : params.nickname;
    if (params.metadata !== undefined) price.metadata = mergeMetadata(price.metadata, params.metadata);
    if (params.lookup_key !== undefined && params.lookup_key !== price.lookup_key) {
      const lookupKey = params.lookup_key === '' ? null : String(params.lookup_key);
      if (lookupKey) this.takeLookupKey(lookupKey, asBoolean(params.transfer_lookup_key) === true);
      price.lookup_key = lookupKey;
    }
    return this.output(price, params, '');
  }

  /**
   * Stripe filters by `lookup_keys` (up to 10), `active` (active prices unless `active=false` is asked for) and
   * `product`; `expand[]=data.tiers` adds tiers.
   */
  private listPrices(params: Json): Json {
    const keys = asArray(params.lookup_keys).map(String);
    if (keys.length > 10) throw invalid('You may pass at most 10 lookup_keys.', 'lookup_keys');
    const active = asBoolean(params.active) ?? true;
    const data = [...this.prices.values()].filter(
      (price) =>
        (keys.length === 0 || keys.includes(String(price.lookup_key))) &&
        price.active === active &&
        (params.product === undefined || price.product === params.product),
    );
    return list(
      '/v1/prices',
      data.map((price) => this.output(price, params, 'data.')),
    );
  }

  private createMeter(params: Json): Json {
    const eventName = String(params.event_name ?? '');
    if (!eventName) throw invalid('Missing required param: event_name.', 'event_name');
    if (!params.display_name) throw invalid('Missing required param: display_name.', 'display_name');
    const formula = String(asObject(params.default_aggregation).formula ?? '');
    if (!FORMULAS.includes(formula)) {
      throw invalid('Missing required param: default_aggregation[formula].', 'default_aggregation[formula]');
    }
    if ([...this.meters.values()].some((meter) => meter.event_name === eventName)) {
      throw invalid(`A meter with event_name ${eventName} already exists.`, 'event_name');
    }
    const now = this.seconds();
    const meter: Json = {
      id: newId('mtr'),
      object: 'billing.meter',
      created: now,
      customer_mapping: {
        event_payload_key: String(asObject(params.customer_mapping).event_payload_key ?? 'stripe_customer_id'),
        type: 'by_id',
      },
      default_aggregation: { formula },
      display_name: params.display_name,
      event_name: eventName,
      event_time_window: null,
      livemode: false,
      status: 'active',
      status_transitions: { deactivated_at: null },
      updated: now,
      value_settings: { event_payload_key: String(asObject(params.value_settings).event_payload_key ?? 'value') },
    };
    this.meters.set(meter.id as string, meter);
    return meter;
  }

  private updateMeter(id: string, params: Json): Json {
    const meter = this.must(this.meters, id, 'billing.meter');
    refuseUnknown(params, ['display_name', 'expand']);
    if (params.display_name !== undefined) meter.display_name = params.display_name;
    meter.updated = this.seconds();
    return meter;
  }

  private setMeterStatus(id: string, active: boolean): Json {
    const meter = this.must(this.meters, id, 'billing.meter');
    const wanted = active ? 'active' : 'inactive';
    if (meter.status === wanted) throw invalid(`The meter is already ${wanted}.`);
    meter.status = wanted;
    meter.status_transitions = { deactivated_at: active ? null : this.seconds() };
    meter.updated = this.seconds();
    return meter;
  }

  private listMeters(params: Json): Json {
    const data = [...this.meters.values()].filter((meter) => !params.status || meter.status === params.status);
    return list('/v1/billing/meters', data);
  }

  private priceObject(fields: Json): Json {
    return {
      id: newId('price'),
      object: 'price',
      active: true,
      billing_scheme: 'per_unit',
      created: this.seconds(),
      currency: 'sek',
      custom_unit_amount: null,
      livemode: false,
      lookup_key: null,
      metadata: {},
      nickname: null,
      product: null,
      tax_behavior: 'unspecified',
      tiers_mode: null,
      transform_quantity: null,
      type: 'recurring',
      ...fields,
    };
  }

  /** A copy of the price with its tiers when the request expanded them (`expand[]=tiers` or `data.tiers`). */
  private output(price: Json, params: Json, prefix: string): Json {
    const expanded = asArray(params.expand).map(String).includes(`${prefix}tiers`);
    const tiers = this.tiers.get(String(price.id));
    return expanded && tiers ? { ...price, tiers } : { ...price };
  }

  private must(map: Map<string, Json>, id: string, kind: string): Json {
    const object = map.get(id);
    if (!object) throw missing(kind, id, 'id');
    return object;
  }
}

function recurringObject(interval: string, usageType: string, meter: string | null): Json {
  return { interval, interval_count: 1, meter, trial_period_days: null, usage_type: usageType };
}

function tierObject(tier: Json): Json {
  const decimal = String(tier.unit_amount_decimal ?? tier.unit_amount ?? '0');
  const whole = /^\d+$/.test(decimal) ? Number(decimal) : null;
  return {
    flat_amount: null,
    flat_amount_decimal: null,
    unit_amount: whole,
    unit_amount_decimal: decimal,
    up_to: tier.up_to === 'inf' ? null : Number(tier.up_to),
  };
}
