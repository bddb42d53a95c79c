/**
 * What `npm run billing:sync` does once its Stripe catalogue is wired (billing-sync.ts): plan, print the plan as a
 * table, and, unless it is a dry run, make the changes. A live-mode key moves real money, so a live run asks the
 * operator to type `live` on a terminal, and without a terminal (CI, a pipe) writes only with `--yes`.
 *
 * Returns the exit code: 0 done (or nothing to do), 1 refused or failed, 2 a usage mistake.
 */
import { parseArgs } from 'node:util';
import { describeChange } from '../../shared/domain/billing-catalogue-plan.ts';
import { AppError } from '../../shared/errors.ts';
import type { BillingCatalogue } from '../../shared/ports/billing-catalogue.ts';
import { applyCatalogueSync, planCatalogueSync } from '../services/billing/billing-catalogue-sync.ts';
import { changeTable, countActions } from '../services/billing/catalogue-change-table.ts';

export const BILLING_SYNC_USAGE = `Usage: npm run billing:sync [-- --dry-run] [-- --yes]

Creates or updates in Stripe the products, prices (by lookup key) and billing meters the plans in
shared/domain/plans.ts need. Safe to repeat: a second run changes nothing.

  --dry-run  print the changes as a table and write nothing
  --yes      with a live key and no terminal to confirm on, write anyway
  --help     show this text

Reads STRIPE_SECRET_KEY (and STRIPE_API_HOST, STRIPE_API_PORT, STRIPE_API_PROTOCOL) from the environment.`;

export interface BillingSyncFlags {
  readonly dryRun: boolean;
  readonly yes: boolean;
  readonly help: boolean;
}

/** The flags, or a message saying what is wrong with them. */
export function parseBillingSyncArgs(args: readonly string[]): BillingSyncFlags | string {
  try {
    const { values } = parseArgs({
      args: [...args],
      options: {
        'dry-run': { type: 'boolean', default: false },
        yes: { type: 'boolean', short: 'y', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    return { dryRun: values['dry-run'], yes: values.yes, help: values.help };
  } catch (error) {
    return (error as Error).message;
  }
}

export interface BillingSyncCommandInput {
  readonly catalogue: BillingCatalogue;
  readonly flags: Pick<BillingSyncFlags, 'dryRun' | 'yes'>;
  readonly out: (text: string) => void;
  /** Asks the operator on a terminal; undefined when there is none. */
  readonly confirm: ((question: string) => Promise<boolean>) | undefined;
}

export async function runBillingSyncCommand(input: BillingSyncCommandInput): Promise<number> {
  const { catalogue, flags, out } = input;
  const plan = await planCatalogueSync(catalogue);
  const { desired } = plan;
  out(
    `Stripe ${plan.mode} mode. The plans need ${desired.products.length} products, ${desired.prices.length} prices ` +
      `and ${desired.meters.length} meters.`,
  );
  for (const conflict of plan.conflicts) out(`CONFLICT ${conflict.subject}: ${conflict.reason}`);
  const rows = plan.changes.map(describeChange);
  if (rows.length === 0) {
    out('Stripe already holds the catalogue: nothing to change.');
    return plan.conflicts.length > 0 ? 1 : 0;
  }
  out(`\n${changeTable(rows)}\n`);
  out(`${rows.length} change(s): ${countActions(rows)}.`);
  if (flags.dryRun) {
    out('Dry run: nothing was written.');
    return 0;
  }
  if (plan.conflicts.length > 0) {
    out('Nothing was written: settle the conflicts above in the Stripe Dashboard, then run again.');
    return 1;
  }
  if (plan.mode === 'live' && !flags.yes) {
    if (!input.confirm) {
      out('Refusing to change a LIVE Stripe account without confirmation: run it on a terminal, or add --yes.');
      return 1;
    }
    const confirmed = await input.confirm(
      `This changes your LIVE Stripe account (${rows.length} change(s)). Type "live" to go on: `,
    );
    if (!confirmed) {
      out('Not confirmed: nothing was written.');
      return 1;
    }
  }
  let done = 0;
  try {
    await applyCatalogueSync(catalogue, plan, (row) => {
      done++;
      out(`  done: ${row.action} ${row.object} ${row.key}`);
    });
  } catch (error) {
    const reason = error instanceof AppError ? error.message : String(error);
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    out(`Stopped after ${done} of ${rows.length} change(s): ${reason}${cause}. Run again to carry on.`);
    return 1;
  }
  out(`Done: ${countActions(rows)}. Checkout finds every price by lookup key, and every meter exists.`);
  return 0;
}
