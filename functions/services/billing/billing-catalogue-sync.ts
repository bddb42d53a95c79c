/**
 * `billing:sync`: makes the payment provider hold the catalogue the plans describe. `planCatalogueSync` reads what
 * the provider has and plans the changes (nothing is written); `applyCatalogueSync` makes them one by one, in the
 * plan's order. Both the command line (functions/local/billing-sync.ts) and the operator's Lambda
 * (functions/handlers/billing-sync.ts) run these.
 *
 * Safe to repeat: every run plans from what the provider holds now, so a run that stopped half-way is finished by
 * the next, and a run after a complete one plans nothing and writes nothing.
 */
import { type DesiredCatalogue, desiredCatalogue } from '../../../shared/domain/billing-catalogue.ts';
import {
  type CatalogueChange,
  type CataloguePlan,
  type CatalogueSnapshot,
  type ChangeRow,
  describeChange,
  missingFromCatalogue,
  planCatalogueChanges,
} from '../../../shared/domain/billing-catalogue-plan.ts';
import { ConflictError, InternalError } from '../../../shared/errors.ts';
import type { BillingCatalogue } from '../../../shared/ports/billing-catalogue.ts';

export interface CatalogueSyncPlan extends CataloguePlan {
  readonly mode: BillingCatalogue['mode'];
  readonly desired: DesiredCatalogue;
  readonly snapshot: CatalogueSnapshot;
  /** Lookup keys and meter event names billing cannot work without, missing now. */
  readonly missing: readonly string[];
}

/** The provider's catalogue disagrees with ours in a way only an operator can settle; nothing was written. */
export class CatalogueConflictError extends ConflictError {}

export async function planCatalogueSync(
  catalogue: BillingCatalogue,
  desired: DesiredCatalogue = desiredCatalogue(),
): Promise<CatalogueSyncPlan> {
  const snapshot = await catalogue.read({
    productIds: desired.products.map((product) => product.id),
    lookupKeys: desired.prices.map((price) => price.lookupKey),
    meterEventNames: desired.meters.map((meter) => meter.eventName),
  });
  return {
    ...planCatalogueChanges(desired, snapshot),
    mode: catalogue.mode,
    desired,
    snapshot,
    missing: missingFromCatalogue(desired, snapshot),
  };
}

/**
 * Makes the plan's changes in order and returns what was done. `onApplied` hears of each change as soon as it is
 * made, so a run that fails half-way still tells the operator how far it got; the next run carries on from there.
 */
export async function applyCatalogueSync(
  catalogue: BillingCatalogue,
  plan: CatalogueSyncPlan,
  onApplied: (row: ChangeRow) => void = () => {},
): Promise<ChangeRow[]> {
  if (plan.conflicts.length > 0) {
    throw new CatalogueConflictError(
      `The Stripe catalogue needs an operator first: ${plan.conflicts.map((c) => `${c.subject}: ${c.reason}`).join('; ')}`,
    );
  }
  const meterIds = new Map<string, string>();
  // An archived meter sorts first so that an active one with the same event name wins.
  const meters = [...plan.snapshot.meters].sort(
    (a, b) => Number(a.status === 'active') - Number(b.status === 'active'),
  );
  for (const meter of meters) meterIds.set(meter.eventName, meter.id);
  const applied: ChangeRow[] = [];
  for (const change of plan.changes) {
    await applyChange(catalogue, change, meterIds);
    const row = describeChange(change);
    applied.push(row);
    onApplied(row);
  }
  return applied;
}

async function applyChange(catalogue: BillingCatalogue, change: CatalogueChange, meterIds: Map<string, string>) {
  switch (change.kind) {
    case 'create-meter':
      meterIds.set(change.meter.eventName, await catalogue.createMeter(change.meter));
      return;
    case 'reactivate-meter':
      return catalogue.reactivateMeter(change.meterId);
    case 'rename-meter':
      return catalogue.renameMeter(change.meterId, change.meter.displayName);
    case 'create-product':
      return catalogue.createProduct(change.product);
    case 'update-product':
      return catalogue.updateProduct(change.product.id, change.update);
    case 'create-price':
      await catalogue.createPrice(change.price, { meterId: meterOf(change, meterIds), transferLookupKey: false });
      return;
    case 'replace-price':
      // The new price takes the key in the same request, so Checkout never finds the key unheld; the old price
      // is archived after (a run stopped in between leaves it active but keyless, out of Checkout's reach).
      await catalogue.createPrice(change.price, { meterId: meterOf(change, meterIds), transferLookupKey: true });
      if (change.replaces.active) await catalogue.archivePrice(change.replaces.id);
      return;
    case 'update-price':
      return catalogue.updatePrice(change.priceId, change.update);
  }
}

function meterOf(change: Extract<CatalogueChange, { price: unknown }>, meterIds: Map<string, string>) {
  const pricing = change.price.pricing;
  if (pricing.usageType !== 'metered') return undefined;
  const meterId = meterIds.get(pricing.meterEventName);
  // Meters are planned before prices, so a metered price always finds its meter by now.
  if (!meterId) throw new InternalError(`No meter ${pricing.meterEventName} for price ${change.price.lookupKey}`);
  return meterId;
}
