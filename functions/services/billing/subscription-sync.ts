/**
 * Brings an organisation's billing account in line with its subscription as the payment provider reports it now.
 * Callers pass a freshly fetched subscription, never a webhook's snapshot: Stripe delivers events out of order, and
 * the current status is the only one that is right whatever the order.
 *
 * Idempotent: applying the same subscription twice changes nothing the second time. Each change is one
 * conditional write guarded by the version read, so of two concurrent deliveries exactly one changes the account
 * and only that one runs the node action.
 */
import {
  type BillingAccount,
  type BillingState,
  changeState,
  isLiveSubscription,
  reconcileState,
  stateForSubscriptionStatus,
} from '../../../shared/domain/billing-state.ts';
import type { PlanId } from '../../../shared/domain/plans.ts';
import { ConflictError, InvalidStateError } from '../../../shared/errors.ts';
import type { SubscriptionDetails } from '../../../shared/ports/billing-provider.ts';
import type { BillingAccountFields } from '../../../shared/store/billing.repository.ts';
import { ConditionFailedError } from '../../../shared/store/table.ts';
import { type BillingDeps, MAX_WRITE_ATTEMPTS } from './billing-deps.ts';
import { runNodeAction } from './node-actions.ts';

export type SyncOutcome =
  | { readonly status: 'changed'; readonly from: BillingState; readonly account: BillingAccount }
  | { readonly status: 'unchanged'; readonly account: BillingAccount }
  | { readonly status: 'ignored'; readonly reason: string };

export interface SyncHints {
  /** From the checkout session, when the subscription's prices do not name a plan. */
  readonly planId?: PlanId;
  /** The checkout session that was paid: no longer open, so the account stops naming it. */
  readonly checkoutSessionId?: string;
}

export async function syncSubscription(
  deps: BillingDeps,
  orgId: string,
  subscription: SubscriptionDetails,
  hints: SyncHints = {},
): Promise<SyncOutcome> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const now = deps.clock();
    let account = await deps.accounts.get(orgId);
    if (!account) {
      const planId = subscription.planId ?? hints.planId;
      if (!planId || !isLiveSubscription(subscription.status)) {
        return { status: 'ignored', reason: 'The organisation has no billing account for this subscription' };
      }
      account = await createPendingAccount(deps, orgId, planId, subscription.customerId, now);
      if (!account) continue;
    }
    const refusal = whyNotThisAccount(account, subscription);
    if (refusal) return { status: 'ignored', reason: refusal };

    let next: BillingState;
    try {
      next = reconcileState(account.state, stateForSubscriptionStatus(subscription.status));
    } catch (error) {
      if (error instanceof InvalidStateError) return { status: 'ignored', reason: error.message };
      throw error;
    }
    const fields: BillingAccountFields = {
      ...changeState(account, next, now),
      planId: subscription.planId ?? hints.planId ?? account.planId,
      customerId: subscription.customerId,
      subscriptionId: subscription.id,
      openCheckoutSessionId:
        hints.checkoutSessionId && account.openCheckoutSessionId === hints.checkoutSessionId
          ? undefined
          : account.openCheckoutSessionId,
    };
    if (sameAccount(account, fields)) return { status: 'unchanged', account };
    try {
      const saved = await deps.accounts.save({ ...fields, updatedAt: now.toISOString() }, account);
      if (saved.state !== account.state) {
        deps.logger.info('billing state changed', { orgId, from: account.state, to: saved.state });
        if (saved.nodeAction && saved.nodeActionSince === now.toISOString()) await runNodeAction(deps, saved);
      }
      return { status: 'changed', from: account.state, account: saved };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
  throw new ConflictError('The billing account is changing concurrently; retry');
}

/** A subscription the account has not adopted must be live, and of the account's customer. */
function whyNotThisAccount(account: BillingAccount, subscription: SubscriptionDetails): string | undefined {
  if (account.subscriptionId && account.subscriptionId !== subscription.id) {
    return `The account follows subscription ${account.subscriptionId}, not ${subscription.id}`;
  }
  if (account.customerId && account.customerId !== subscription.customerId) {
    return 'The subscription belongs to another customer than the account';
  }
  if (!account.subscriptionId && !isLiveSubscription(subscription.status)) {
    return 'The subscription ended before the account adopted it';
  }
  return undefined;
}

async function createPendingAccount(
  deps: BillingDeps,
  orgId: string,
  planId: PlanId,
  customerId: string,
  now: Date,
): Promise<BillingAccount | undefined> {
  try {
    return await deps.accounts.create({
      orgId,
      planId,
      state: 'pending_payment',
      customerId,
      subscriptionId: undefined,
      pastDueSince: undefined,
      nodeAction: undefined,
      nodeActionSince: undefined,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    });
  } catch (error) {
    if (error instanceof ConditionFailedError) return undefined;
    throw error;
  }
}

function sameAccount(account: BillingAccount, fields: BillingAccountFields): boolean {
  return (
    account.state === fields.state &&
    account.planId === fields.planId &&
    account.customerId === fields.customerId &&
    account.subscriptionId === fields.subscriptionId &&
    account.openCheckoutSessionId === fields.openCheckoutSessionId
  );
}
