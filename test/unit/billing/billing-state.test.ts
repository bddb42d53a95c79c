import { describe, expect, it } from 'vitest';
import {
  assertTransition,
  BILLING_STATES,
  type BillingAccount,
  type BillingState,
  canTransition,
  changeState,
  graceExpired,
  nodeActionFor,
  reconcileState,
  type SubscriptionStatus,
  stateForSubscriptionStatus,
} from '../../../shared/domain/billing-state.ts';
import { InvalidStateError } from '../../../shared/errors.ts';

const ALLOWED: ReadonlyArray<readonly [BillingState, BillingState]> = [
  ['pending_payment', 'active'],
  ['pending_payment', 'canceled'],
  ['active', 'past_due'],
  ['active', 'canceled'],
  ['past_due', 'active'],
  ['past_due', 'suspended'],
  ['past_due', 'canceled'],
  ['suspended', 'active'],
  ['suspended', 'canceled'],
  ['canceled', 'pending_payment'],
];

const ALL_PAIRS = BILLING_STATES.flatMap((from) => BILLING_STATES.map((to) => [from, to] as const));

describe('billing state machine', () => {
  it.each(ALL_PAIRS)('%s → %s is allowed exactly when listed', (from, to) => {
    const listed = ALLOWED.some(([a, b]) => a === from && b === to);
    expect(canTransition(from, to)).toBe(listed);
    if (listed) expect(() => assertTransition(from, to)).not.toThrow();
    else expect(() => assertTransition(from, to)).toThrow(InvalidStateError);
  });

  it('names both states when it refuses, with a 409', () => {
    expect(() => assertTransition('canceled', 'active')).toThrow(
      expect.objectContaining({ status: 409, message: 'Billing cannot go from canceled to active' }),
    );
  });
});

describe('subscription status → billing state', () => {
  const cases: ReadonlyArray<readonly [SubscriptionStatus, BillingState]> = [
    ['active', 'active'],
    ['trialing', 'active'],
    ['past_due', 'past_due'],
    ['unpaid', 'past_due'],
    ['paused', 'past_due'],
    ['canceled', 'canceled'],
    ['incomplete_expired', 'canceled'],
    ['incomplete', 'pending_payment'],
  ];
  it.each(cases)('%s → %s', (status, state) => {
    expect(stateForSubscriptionStatus(status)).toBe(state);
  });
});

describe('reconciling with what Stripe reports', () => {
  const cases: ReadonlyArray<readonly [BillingState, BillingState, BillingState | 'refused']> = [
    ['pending_payment', 'active', 'active'],
    ['pending_payment', 'past_due', 'past_due'],
    ['pending_payment', 'canceled', 'canceled'],
    ['pending_payment', 'pending_payment', 'pending_payment'],
    ['active', 'active', 'active'],
    ['active', 'past_due', 'past_due'],
    ['active', 'canceled', 'canceled'],
    ['active', 'pending_payment', 'active'],
    ['past_due', 'active', 'active'],
    ['past_due', 'canceled', 'canceled'],
    ['suspended', 'past_due', 'suspended'],
    ['suspended', 'active', 'active'],
    ['suspended', 'canceled', 'canceled'],
    ['canceled', 'canceled', 'canceled'],
    ['canceled', 'active', 'refused'],
    ['canceled', 'past_due', 'refused'],
  ];
  it.each(cases)('%s with Stripe saying %s → %s', (current, target, expected) => {
    if (expected === 'refused') expect(() => reconcileState(current, target)).toThrow(InvalidStateError);
    else expect(reconcileState(current, target)).toBe(expected);
  });
});

describe('node actions', () => {
  const cases: ReadonlyArray<readonly [BillingState, BillingState, string | undefined]> = [
    ['past_due', 'suspended', 'suspend'],
    ['suspended', 'active', 'reactivate'],
    ['past_due', 'active', undefined],
    ['pending_payment', 'active', undefined],
    ['active', 'canceled', 'cancel'],
    ['suspended', 'canceled', 'cancel'],
    ['pending_payment', 'canceled', undefined],
    ['active', 'active', undefined],
  ];
  it.each(cases)('%s → %s calls for %s', (from, to, action) => {
    expect(nodeActionFor(from, to)).toBe(action);
  });
});

describe('changing state', () => {
  const base: BillingAccount = {
    orgId: 'org_abcdefghijklmnopqrst',
    planId: 'managed-member',
    state: 'active',
    customerId: 'cus_1',
    subscriptionId: 'sub_1',
    pastDueSince: undefined,
    nodeAction: undefined,
    nodeActionSince: undefined,
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    version: 3,
  };
  const t1 = new Date('2026-11-02T00:00:00.000Z');
  const t2 = new Date('2026-11-10T00:00:00.000Z');

  it('starts the grace period on entering past_due and keeps it through suspension', () => {
    const pastDue = { ...changeState(base, 'past_due', t1), version: 4 };
    expect(pastDue.pastDueSince).toBe(t1.toISOString());
    const suspended = changeState(pastDue, 'suspended', t2);
    expect(suspended).toMatchObject({ pastDueSince: t1.toISOString(), nodeAction: 'suspend' });
    expect(suspended.nodeActionSince).toBe(t2.toISOString());
  });

  it('clears the grace period on payment and replaces a pending action with the newer one', () => {
    const suspended: BillingAccount = {
      ...base,
      state: 'suspended',
      pastDueSince: t1.toISOString(),
      nodeAction: 'suspend',
      nodeActionSince: t1.toISOString(),
    };
    expect(changeState(suspended, 'active', t2)).toMatchObject({
      state: 'active',
      pastDueSince: undefined,
      nodeAction: 'reactivate',
      nodeActionSince: t2.toISOString(),
      updatedAt: t2.toISOString(),
    });
  });

  it('keeps a pending action that no new decision replaces', () => {
    const reactivating: BillingAccount = { ...base, nodeAction: 'reactivate', nodeActionSince: t1.toISOString() };
    expect(changeState(reactivating, 'past_due', t2)).toMatchObject({
      nodeAction: 'reactivate',
      nodeActionSince: t1.toISOString(),
    });
  });

  it('measures the grace period inclusively', () => {
    const week = 7 * 86_400_000;
    expect(graceExpired('2026-11-01T00:00:00.000Z', new Date('2026-11-07T23:59:59.999Z'), week)).toBe(false);
    expect(graceExpired('2026-11-01T00:00:00.000Z', new Date('2026-11-08T00:00:00.000Z'), week)).toBe(true);
  });
});
