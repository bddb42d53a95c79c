/**
 * Keeps each paying organisation's subscription quantities in line with the managed nodes it holds (node seats,
 * shared/domain/node-seats.ts): one seat per managed node, per size, prorated by the payment provider. Run with the
 * hourly metering (both modes); safe to repeat, since it sets absolute quantities and changes nothing when they
 * already match. One organisation's failure does not stop the others; the next run tries it again.
 */
import { isLiveSubscription } from '../../../shared/domain/billing-state.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { countNodeSeats, seatQuantities } from '../../../shared/domain/node-seats.ts';
import { getPlan } from '../../../shared/domain/plans.ts';
import type { BillingDeps } from '../../services/billing/billing-deps.ts';

export interface NodeSeatsDeps extends Pick<BillingDeps, 'billing' | 'accounts' | 'logger'> {
  /** Every node record of the fleet (the operators' index; no Scan). */
  readonly fleet: () => Promise<readonly NodeRecord[]>;
}

export interface NodeSeatsReport {
  readonly changed: number;
  readonly unchanged: number;
  readonly failed: number;
}

/** States whose subscription is billed, so its quantities matter. */
const BILLED = new Set(['active', 'past_due']);

export async function syncNodeSeats(deps: NodeSeatsDeps): Promise<NodeSeatsReport> {
  if (!deps.billing.enabled) return { changed: 0, unchanged: 0, failed: 0 };
  const byOrg = new Map<string, NodeRecord[]>();
  for (const node of await deps.fleet()) {
    if (node.hosting !== 'managed') continue;
    byOrg.set(node.orgId, [...(byOrg.get(node.orgId) ?? []), node]);
  }
  let changed = 0;
  let unchanged = 0;
  let failed = 0;
  for (const [orgId, nodes] of byOrg) {
    try {
      const account = await deps.accounts.get(orgId);
      if (!account?.subscriptionId || !BILLED.has(account.state)) continue;
      const seats = countNodeSeats(nodes);
      const quantities = seatQuantities(getPlan(account.planId), seats);
      if (!quantities) continue;
      const subscription = await deps.billing.retrieveSubscription(account.subscriptionId);
      if (!isLiveSubscription(subscription.status)) continue;
      const keys = await deps.billing.setSubscriptionQuantities(account.subscriptionId, quantities);
      if (keys.length === 0) {
        unchanged += 1;
        continue;
      }
      changed += 1;
      deps.logger.info('node seats changed', { orgId, subscriptionId: account.subscriptionId, ...seats });
    } catch (error) {
      failed += 1;
      deps.logger.warn('node seats not synced; the next run retries', { orgId, error });
    }
  }
  return { changed, unchanged, failed };
}
