/**
 * Port for the payment provider's catalogue (products, prices, meters): reading what it holds of CareChain's
 * catalogue and making the single changes `billing:sync` plans. Implemented by `StripeBillingCatalogue`; with
 * billing off there is no catalogue and nothing to sync.
 *
 * What crosses the port is ours (billing-catalogue.ts, billing-catalogue-plan.ts), not Stripe's.
 */
import type { DesiredMeter, DesiredPrice, DesiredProduct } from '../domain/billing-catalogue.ts';
import type { CatalogueSnapshot, PriceUpdate, ProductUpdate } from '../domain/billing-catalogue-plan.ts';

export interface CatalogueQuery {
  readonly productIds: readonly string[];
  readonly lookupKeys: readonly string[];
  readonly meterEventNames: readonly string[];
}

export interface BillingCatalogue {
  /** `live` when the key moves real money; `test` for the provider's test mode. */
  readonly mode: 'test' | 'live';
  /** What the provider holds of these products, lookup keys (active or archived prices) and meters. */
  read(query: CatalogueQuery): Promise<CatalogueSnapshot>;
  /** Creates the meter and returns its id. */
  createMeter(meter: DesiredMeter): Promise<string>;
  reactivateMeter(meterId: string): Promise<void>;
  renameMeter(meterId: string, displayName: string): Promise<void>;
  createProduct(product: DesiredProduct): Promise<void>;
  updateProduct(productId: string, update: ProductUpdate): Promise<void>;
  /**
   * Creates the price and returns its id. `meterId` is the meter of a metered price. With `transferLookupKey` the
   * lookup key moves from the price holding it in the same request; without it a key in use is refused.
   */
  createPrice(
    price: DesiredPrice,
    options: { readonly meterId: string | undefined; readonly transferLookupKey: boolean },
  ): Promise<string>;
  updatePrice(priceId: string, update: PriceUpdate): Promise<void>;
  /** Archives the price: no new purchases; subscriptions on it keep it. */
  archivePrice(priceId: string): Promise<void>;
}
