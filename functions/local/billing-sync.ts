/**
 * `npm run billing:sync`: creates or updates the Stripe catalogue the plans need (billing-sync-command.ts) with the
 * Stripe key from the environment. Test and live keys both work; a live key asks for confirmation.
 */
import { createInterface } from 'node:readline/promises';
import { StripeBillingCatalogue } from '../../shared/adapters/stripe/stripe-billing-catalogue.ts';
import { ConfigError, loadConfig } from '../../shared/config/config.ts';
import { BILLING_SYNC_USAGE, parseBillingSyncArgs, runBillingSyncCommand } from './billing-sync-command.ts';

async function confirmOnTerminal(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await terminal.question(question)).trim() === 'live';
  } finally {
    terminal.close();
  }
}

async function main(): Promise<number> {
  const flags = parseBillingSyncArgs(process.argv.slice(2));
  if (typeof flags === 'string') {
    process.stderr.write(`${flags}\n\n${BILLING_SYNC_USAGE}\n`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(`${BILLING_SYNC_USAGE}\n`);
    return 0;
  }
  const config = loadConfig();
  const { secretKey, host, port, protocol } = config.stripe;
  if (!secretKey) {
    process.stderr.write(
      'STRIPE_SECRET_KEY is not set: billing is off and there is no Stripe account to set up.\n' +
        'Set it to a test key (sk_test_…) first, or a live key (sk_live_…) when going live, and run again.\n',
    );
    return 1;
  }
  const catalogue = new StripeBillingCatalogue({ secretKey, host, port, protocol });
  const onTerminal = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  return runBillingSyncCommand({
    catalogue,
    flags,
    out: (text) => process.stdout.write(`${text}\n`),
    confirm: onTerminal ? confirmOnTerminal : undefined,
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nFix the variable(s) above and run again.\n`);
    } else {
      const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
      process.stderr.write(`billing:sync failed: ${error instanceof Error ? error.message : String(error)}${cause}\n`);
    }
    process.exitCode = 1;
  },
);
