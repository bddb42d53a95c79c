/**
 * What the billing routes do: choose a plan (Checkout for a paid plan, at once for a free plan or with billing
 * off), open the customer portal, list invoices. Every account change is a versioned conditional write; a
 * concurrent change makes the service read again and decide again.
 */
import {
  assertTransition,
  type BillingAccount,
  type BillingState,
  changeState,
  isLiveSubscription,
} from '../../../shared/domain/billing-state.ts';
import type { NodeSize } from '../../../shared/domain/node.ts';
import { getPlan, isPaidPlan, type Plan, type PlanId, type UsageSummary } from '../../../shared/domain/plans.ts';
import { ConflictError, NotFoundError } from '../../../shared/errors.ts';
import { BillingDisabledError, type Invoice } from '../../../shared/ports/billing-provider.ts';
import type { BillingAccountFields } from '../../../shared/store/billing.repository.ts';
import { ConditionFailedError } from '../../../shared/store/table.ts';
import { type BillingDeps, MAX_WRITE_ATTEMPTS } from './billing-deps.ts';
import { runNodeAction } from './node-actions.ts';

export interface ChoosePlanInput {
  readonly orgId: string;
  /** Shown on the Stripe customer. */
  readonly orgName: string;
  readonly email?: string;
  readonly planId: string;
  readonly nodeSize?: NodeSize;
  readonly successUrl: string;
  readonly cancelUrl: string;
}

export type ChoosePlanResult =
  /** Pay at `url`; the account becomes active when Stripe reports the payment (webhook). */
  | { readonly kind: 'checkout'; readonly url: string; readonly sessionId: string; readonly account: BillingAccount }
  /** Free plan, or billing off: active now. */
  | { readonly kind: 'activated'; readonly account: BillingAccount };

/** States in which the organisation has a subscription to manage in the portal rather than buy again. */
const SUBSCRIBED: readonly BillingState[] = ['active', 'past_due', 'suspended'];

export async function choosePlan(deps: BillingDeps, input: ChoosePlanInput): Promise<ChoosePlanResult> {
  const plan = getPlan(input.planId);
  if (!deps.billing.enabled || !isPaidPlan(plan)) {
    return { kind: 'activated', account: await activateWithoutPayment(deps, input.orgId, plan) };
  }
  const account = await prepareCheckout(deps, input, plan.id);
  const customerId = account.customerId;
  if (!customerId) throw new ConflictError('The billing account has no customer yet; retry');
  const previous = account.openCheckoutSessionId;
  if (previous) await closeCheckout(deps, account, previous);
  const session = await deps.billing.createCheckoutSession({
    orgId: input.orgId,
    customerId,
    planId: plan.id,
    nodeSize: input.nodeSize,
    successUrl: input.successUrl,
    cancelUrl: input.cancelUrl,
  });
  const recorded = await recordOpenCheckout(deps, input.orgId, session.id, previous);
  return { kind: 'checkout', url: session.url, sessionId: session.id, account: recorded };
}

/**
 * At most one Checkout session per organisation can take a payment: the one recorded on the account. A new one
 * expires the one before, so two browser tabs (or two colleagues) cannot both pay for a subscription.
 */
async function closeCheckout(deps: BillingDeps, account: BillingAccount, sessionId: string): Promise<void> {
  const ended = await deps.billing.expireCheckoutSession(sessionId);
  if (ended.status !== 'complete' || !ended.subscriptionId || ended.subscriptionId === account.subscriptionId) return;
  // Paid before it could be closed, and not the account's subscription yet: while that subscription lives, the
  // payment is on its way in (its webhook has not arrived) and a second Checkout would charge twice.
  const subscription = await deps.billing.retrieveSubscription(ended.subscriptionId);
  if (isLiveSubscription(subscription.status)) {
    throw new ConflictError(
      'A Checkout payment for this organisation has just completed; its plan becomes active in a moment, so no ' +
        'second Checkout is opened',
    );
  }
}

/** Records the new session as the open one, closing any other that a concurrent request recorded meanwhile. */
async function recordOpenCheckout(
  deps: BillingDeps,
  orgId: string,
  sessionId: string,
  closed: string | undefined,
): Promise<BillingAccount> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const account = await deps.accounts.get(orgId);
    if (!account) break;
    const other = account.openCheckoutSessionId;
    try {
      if (other && other !== sessionId && other !== closed) await closeCheckout(deps, account, other);
      return await deps.accounts.save(
        { ...withoutVersion(account), openCheckoutSessionId: sessionId, updatedAt: deps.clock().toISOString() },
        account,
      );
    } catch (error) {
      if (error instanceof ConditionFailedError) continue;
      await deps.billing.expireCheckoutSession(sessionId).catch(() => undefined);
      throw error;
    }
  }
  await deps.billing.expireCheckoutSession(sessionId).catch(() => undefined);
  throw new ConflictError('The billing account is changing concurrently; retry');
}

/** Ensures a customer and an account that is waiting for this payment (or stays as it is until it arrives). */
async function prepareCheckout(deps: BillingDeps, input: ChoosePlanInput, planId: PlanId): Promise<BillingAccount> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const account = await deps.accounts.get(input.orgId);
    if (account?.subscriptionId && SUBSCRIBED.includes(account.state)) {
      throw new ConflictError('The organisation already has a subscription; change or cancel it in the billing portal');
    }
    const customerId = await deps.billing.ensureCustomer({
      orgId: input.orgId,
      name: input.orgName,
      email: input.email,
      customerId: account?.customerId,
    });
    const now = deps.clock().toISOString();
    try {
      if (!account) {
        return await deps.accounts.create({ ...newAccount(input.orgId, planId, 'pending_payment', now), customerId });
      }
      let fields: BillingAccountFields = { ...withoutVersion(account), customerId, updatedAt: now };
      if (account.state === 'canceled') {
        assertTransition('canceled', 'pending_payment');
        fields = { ...changeState(account, 'pending_payment', deps.clock()), customerId, subscriptionId: undefined };
      }
      // A new or canceled account waits on this plan; an account that is using a free plan keeps it until paid.
      if (fields.state === 'pending_payment') fields = { ...fields, planId };
      return await deps.accounts.save(fields, account);
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
  throw new ConflictError('The billing account is changing concurrently; retry');
}

async function activateWithoutPayment(deps: BillingDeps, orgId: string, plan: Plan): Promise<BillingAccount> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const account = await deps.accounts.get(orgId);
    const now = deps.clock();
    try {
      if (!account) return await deps.accounts.create(newAccount(orgId, plan.id, 'active', now.toISOString()));
      if (deps.billing.enabled && account.subscriptionId && SUBSCRIBED.includes(account.state)) {
        throw new ConflictError('The organisation pays for a subscription; cancel it in the billing portal first');
      }
      // canceled → pending_payment → active: a new plan after a cancellation, paid with nothing.
      if (account.state === 'canceled') assertTransition('canceled', 'pending_payment');
      const from = account.state === 'canceled' ? 'pending_payment' : account.state;
      if (from !== 'active') assertTransition(from, 'active');
      const changed = changeState(account, 'active', now);
      if (changed.state === account.state && account.planId === plan.id) return account;
      const saved = await deps.accounts.save(
        { ...changed, planId: plan.id, subscriptionId: deps.billing.enabled ? undefined : account.subscriptionId },
        account,
      );
      if (saved.nodeAction && saved.nodeActionSince === now.toISOString()) await runNodeAction(deps, saved);
      return saved;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
  throw new ConflictError('The billing account is changing concurrently; retry');
}

export async function openBillingPortal(
  deps: BillingDeps,
  input: { orgId: string; returnUrl: string },
): Promise<{ url: string }> {
  if (!deps.billing.enabled) throw new BillingDisabledError('Billing is off: there is no billing portal');
  const account = await deps.accounts.get(input.orgId);
  if (!account?.customerId)
    throw new NotFoundError('The organisation has no billing customer yet; choose a plan first');
  return deps.billing.createPortalSession({ customerId: account.customerId, returnUrl: input.returnUrl });
}

/** Stripe's invoices, or with billing off an estimate of the usage given; none before a plan was chosen. */
export async function listInvoices(
  deps: BillingDeps,
  input: { orgId: string; usage?: UsageSummary },
): Promise<Invoice[]> {
  const account = await deps.accounts.get(input.orgId);
  if (!account) return [];
  return deps.billing.listInvoices({
    orgId: input.orgId,
    customerId: account.customerId,
    planId: account.planId,
    usage: input.usage,
  });
}

function newAccount(orgId: string, planId: PlanId, state: BillingState, now: string): BillingAccountFields {
  return {
    orgId,
    planId,
    state,
    customerId: undefined,
    subscriptionId: undefined,
    pastDueSince: undefined,
    nodeAction: undefined,
    nodeActionSince: undefined,
    createdAt: now,
    updatedAt: now,
  };
}

function withoutVersion(account: BillingAccount): BillingAccountFields {
  const { version: _version, ...fields } = account;
  return fields;
}
