/**
 * An organisation's billing state (docs/architecture.md, "Billing") as an explicit state machine. Pure: the webhook service,
 * the checkout service and the grace-period job decide with it; the repository guards each write with the version
 * it read.
 *
 *   pending_payment → active → past_due → suspended → canceled
 *   pending_payment → canceled · active → canceled · past_due → active · suspended → active
 *   past_due → canceled: Stripe cancels a subscription whose retries all failed, often within our grace period
 *   canceled → pending_payment: a new Checkout after a cancellation
 *
 * Suspension stops managed nodes and deletes nothing; payment brings them back.
 */
import { InvalidStateError } from '../errors.ts';
import type { PlanId } from './plans.ts';

export const BILLING_STATES = ['pending_payment', 'active', 'past_due', 'suspended', 'canceled'] as const;
export type BillingState = (typeof BILLING_STATES)[number];

/** An invoice as the payment provider has it; `estimate` when billing is off (never a claim for payment). */
export const INVOICE_STATUSES = ['draft', 'open', 'paid', 'uncollectible', 'void', 'estimate'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

const TRANSITIONS: Readonly<Record<BillingState, readonly BillingState[]>> = {
  pending_payment: ['active', 'canceled'],
  active: ['past_due', 'canceled'],
  past_due: ['active', 'suspended', 'canceled'],
  suspended: ['active', 'canceled'],
  canceled: ['pending_payment'],
};

export function canTransition(from: BillingState, to: BillingState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: BillingState, to: BillingState): void {
  if (!canTransition(from, to)) {
    throw new InvalidStateError(`Billing cannot go from ${from} to ${to}`);
  }
}

/** What must happen to the organisation's managed nodes after a state change; done through callbacks, retried. */
export type NodeAction = 'suspend' | 'reactivate' | 'cancel';

/** An organisation's billing record (`ORG#<id>` / `BILLING`). */
export interface BillingAccount {
  readonly orgId: string;
  readonly planId: PlanId;
  readonly state: BillingState;
  readonly customerId: string | undefined;
  readonly subscriptionId: string | undefined;
  /** When the account last entered past_due; the grace period counts from here. */
  readonly pastDueSince: string | undefined;
  /** A node action decided with the last state change and not yet confirmed done. */
  readonly nodeAction: NodeAction | undefined;
  readonly nodeActionSince: string | undefined;
  /** The one Checkout session that may still take this organisation's payment; earlier ones were expired. */
  readonly openCheckoutSessionId?: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** Whether the organisation may use what its plan offers (new managed nodes, running ones). */
export function isInGoodStanding(state: BillingState): boolean {
  return state === 'active' || state === 'past_due';
}

/** Stripe subscription statuses as the port reports them. */
export type SubscriptionStatus =
  | 'active'
  | 'trialing'
  | 'past_due'
  | 'unpaid'
  | 'canceled'
  | 'incomplete'
  | 'incomplete_expired'
  | 'paused';

/**
 * The state a subscription's status calls for. `incomplete` (first payment still open) keeps pending_payment;
 * `paused` (a trial ended without a payment method) is treated like a missed payment.
 */
export function stateForSubscriptionStatus(status: SubscriptionStatus): BillingState {
  switch (status) {
    case 'active':
    case 'trialing':
      return 'active';
    case 'past_due':
    case 'unpaid':
    case 'paused':
      return 'past_due';
    case 'canceled':
    case 'incomplete_expired':
      return 'canceled';
    case 'incomplete':
      return 'pending_payment';
  }
}

/** Whether a subscription in this status can still become or stay active. */
export function isLiveSubscription(status: SubscriptionStatus): boolean {
  return status !== 'canceled' && status !== 'incomplete_expired';
}

/**
 * Where the account goes when the payment provider reports `target`. Stripe has no suspended status: a suspended
 * account whose subscription is still past_due stays suspended. An account whose payment is still open stays
 * where it is. pending_payment can reach past_due only through active (the first payment succeeded, a renewal
 * failed, and we heard of it late). Anything else the machine does not allow is an InvalidStateError.
 */
export function reconcileState(current: BillingState, target: BillingState): BillingState {
  if (target === current) return current;
  if (target === 'pending_payment') return current;
  if (current === 'suspended' && target === 'past_due') return current;
  if (current === 'pending_payment' && target === 'past_due') return target;
  assertTransition(current, target);
  return target;
}

/** The node action a state change calls for, if any. */
export function nodeActionFor(from: BillingState, to: BillingState): NodeAction | undefined {
  if (from === to) return undefined;
  if (to === 'suspended') return 'suspend';
  if (from === 'suspended' && to === 'active') return 'reactivate';
  if (to === 'canceled' && from !== 'pending_payment') return 'cancel';
  return undefined;
}

/**
 * The account after moving to `to` at `now` (the caller decided `to` with `assertTransition` or `reconcileState`).
 * The grace period counts from the first entry into past_due and survives suspension; a new node action replaces
 * a pending one (the latest decision is what the nodes must reflect), otherwise a pending one is kept until done.
 */
export function changeState(account: BillingAccount, to: BillingState, now: Date): Omit<BillingAccount, 'version'> {
  const { version: _version, ...fields } = account;
  if (to === account.state) return fields;
  const action = nodeActionFor(account.state, to);
  const keepsPastDue = to === 'past_due' || to === 'suspended';
  return {
    ...fields,
    state: to,
    pastDueSince: keepsPastDue ? (account.pastDueSince ?? now.toISOString()) : undefined,
    nodeAction: action ?? account.nodeAction,
    nodeActionSince: action ? now.toISOString() : account.nodeActionSince,
    updatedAt: now.toISOString(),
  };
}

/** Whether an account past due since `pastDueSince` has outlived its grace period at `now`. */
export function graceExpired(pastDueSince: string, now: Date, graceMs: number): boolean {
  return now.getTime() - Date.parse(pastDueSince) >= graceMs;
}

export const DEFAULT_GRACE_DAYS = 7;
