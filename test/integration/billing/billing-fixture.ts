/**
 * Billing under test with its real parts: in-memory dynalite with the real table and repository, the real
 * `StripeBilling` talking HTTP to the fake Stripe server, real webhook signatures, and a clock the test moves.
 * Node callbacks are recorded so tests can count what billing asked of the nodes.
 */
import type { BillingDeps } from '../../../functions/services/billing/billing-deps.ts';
import { startEmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { StripeBilling } from '../../../shared/adapters/stripe/stripe-billing.ts';
import { PLANS } from '../../../shared/domain/plans.ts';
import { createLogger } from '../../../shared/observability/logger.ts';
import { BillingRepository } from '../../../shared/store/billing.repository.ts';
import { ensureTable } from '../../../shared/store/create-table.ts';
import { Table } from '../../../shared/store/table.ts';
import { type FakePrice, FakeStripe } from '../../support/fake-stripe.ts';

export const WEBHOOK_SECRET = 'whsec_test_billing_fixture_secret';
export const DAY_MS = 86_400_000;

export class TestClock {
  constructor(private current: Date) {}
  now = (): Date => new Date(this.current);
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Every price the catalogue names, as Stripe would hold them. */
export function cataloguePrices(): FakePrice[] {
  return PLANS.flatMap((plan) => {
    const prices = plan.stripePrices;
    if (!prices) return [];
    return [
      ...(['small', 'medium', 'large'] as const).map((size) => ({
        lookupKey: prices.nodeMonthly[size],
        unitAmount: plan.monthlyPriceOre[size],
      })),
      { lookupKey: prices.computeUnitOverage, usageType: 'metered' as const },
    ];
  });
}

export async function startBillingFixture(start = new Date('2026-11-02T10:00:00Z')) {
  const clock = new TestClock(start);
  const dynamo = await startEmbeddedDynamo();
  await ensureTable(dynamo.client, 'billing-test');
  const table = new Table(dynamo.client, 'billing-test', clock.now);
  const accounts = new BillingRepository(table);
  const stripe = await FakeStripe.start({ prices: cataloguePrices(), now: clock.now });
  const billing = new StripeBilling({ ...stripe.clientOptions(), clock: clock.now });
  const calls = { suspended: [] as string[], reactivated: [] as string[], canceled: [] as string[] };
  const logLines: string[] = [];
  const deps: BillingDeps = {
    billing,
    accounts,
    clock: clock.now,
    logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    onSuspended: async (orgId) => void calls.suspended.push(orgId),
    onReactivated: async (orgId) => void calls.reactivated.push(orgId),
    onCanceled: async (orgId) => void calls.canceled.push(orgId),
  };
  return {
    clock,
    table,
    accounts,
    stripe,
    billing,
    deps,
    calls,
    logLines,
    async close() {
      await stripe.close();
      await dynamo.close();
    },
  };
}

export type BillingFixture = Awaited<ReturnType<typeof startBillingFixture>>;
