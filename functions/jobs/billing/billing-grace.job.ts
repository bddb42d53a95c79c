/**
 * The grace-period job (run every few minutes; locally from the in-process scheduler, in AWS from EventBridge
 * Scheduler): suspends accounts that stayed past due longer than the grace period, and retries node actions that
 * a crash or a failing callback left pending.
 *
 * Before suspending it asks the payment provider for the subscription once more: a payment whose webhook got lost
 * reactivates the account instead of suspending a customer who paid.
 */
import {
  assertTransition,
  changeState,
  DEFAULT_GRACE_DAYS,
  graceExpired,
  stateForSubscriptionStatus,
} from '../../../shared/domain/billing-state.ts';
import { ConditionFailedError } from '../../../shared/store/table.ts';
import { type BillingDeps, MAX_WRITE_ATTEMPTS } from '../../services/billing/billing-deps.ts';
import { runNodeAction } from '../../services/billing/node-actions.ts';
import { syncSubscription } from '../../services/billing/subscription-sync.ts';

export interface GraceJobOptions {
  /** Days an account may stay past due before it is suspended. @default 7 */
  readonly graceDays?: number;
  /** A node action pending this long is taken for crashed and run again. @default 60000 (1 minute) */
  readonly nodeActionRetryAfterMs?: number;
}

export interface GraceJobReport {
  readonly suspended: readonly string[];
  /** Past-due accounts the provider reported paid (or ended) when asked before suspending. */
  readonly resynced: readonly string[];
  readonly nodeActionsRetried: number;
  readonly failed: number;
}

const DAY_MS = 86_400_000;

export async function runBillingGraceJob(deps: BillingDeps, options: GraceJobOptions = {}): Promise<GraceJobReport> {
  const graceMs = (options.graceDays ?? DEFAULT_GRACE_DAYS) * DAY_MS;
  const now = deps.clock();
  const suspended: string[] = [];
  const resynced: string[] = [];
  let failed = 0;

  for (const candidate of await deps.accounts.listPastDue(new Date(now.getTime() - graceMs))) {
    try {
      const outcome = await suspendIfOverdue(deps, candidate.orgId, graceMs);
      if (outcome === 'suspended') suspended.push(candidate.orgId);
      if (outcome === 'resynced') resynced.push(candidate.orgId);
    } catch (error) {
      failed++;
      deps.logger.warn('could not suspend an overdue account; will retry', { orgId: candidate.orgId, error });
    }
  }

  let nodeActionsRetried = 0;
  const retryBefore = new Date(now.getTime() - (options.nodeActionRetryAfterMs ?? 60_000));
  for (const pending of await deps.accounts.listPendingNodeActions(retryBefore)) {
    // The index lags behind writes: act on what the account says now.
    const account = await deps.accounts.get(pending.orgId);
    if (!account?.nodeAction || account.nodeActionSince !== pending.nodeActionSince) continue;
    nodeActionsRetried++;
    if ((await runNodeAction(deps, account)) === 'failed') failed++;
  }

  return { suspended, resynced, nodeActionsRetried, failed };
}

async function suspendIfOverdue(
  deps: BillingDeps,
  orgId: string,
  graceMs: number,
): Promise<'suspended' | 'resynced' | 'skipped'> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const now = deps.clock();
    const account = await deps.accounts.get(orgId);
    if (account?.state !== 'past_due' || !account.pastDueSince) return 'skipped';
    if (!graceExpired(account.pastDueSince, now, graceMs)) return 'skipped';

    if (deps.billing.enabled && account.subscriptionId) {
      const subscription = await deps.billing.retrieveSubscription(account.subscriptionId);
      if (stateForSubscriptionStatus(subscription.status) !== 'past_due') {
        const outcome = await syncSubscription(deps, orgId, subscription);
        return outcome.status === 'changed' ? 'resynced' : 'skipped';
      }
    }

    assertTransition(account.state, 'suspended');
    try {
      const saved = await deps.accounts.save(changeState(account, 'suspended', now), account);
      deps.logger.info('billing state changed', {
        orgId,
        from: account.state,
        to: saved.state,
        reason: 'grace expired',
      });
      await runNodeAction(deps, saved);
      return 'suspended';
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
  return 'skipped';
}
