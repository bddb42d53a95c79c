/**
 * `npm run billing:sync` as an operator meets it, against the Stripe-shaped test server: the dry run prints the
 * plan as a table and writes nothing; a test key writes at once; a live key writes only after the operator typed
 * `live` on a terminal, or with --yes; a run stopped by a Stripe failure says how far it got and the next one
 * finishes. The entry itself runs as a child process, as npm runs it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBillingSyncArgs, runBillingSyncCommand } from '../../../functions/local/billing-sync-command.ts';
import { StripeBillingCatalogue } from '../../../shared/adapters/stripe/stripe-billing-catalogue.ts';
import { desiredCatalogue } from '../../../shared/domain/billing-catalogue.ts';
import { FakeStripe } from '../../support/fake-stripe.ts';

const run = promisify(execFile);
const desired = desiredCatalogue();
const EVERYTHING = desired.meters.length + desired.products.length + desired.prices.length;

let fake: FakeStripe | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function command(
  options: { secretKey?: string; dryRun?: boolean; yes?: boolean; answer?: string; terminal?: boolean } = {},
) {
  fake ??= await FakeStripe.start({ secretKey: options.secretKey });
  const lines: string[] = [];
  const questions: string[] = [];
  const terminal = options.terminal ?? options.answer !== undefined;
  const code = await runBillingSyncCommand({
    catalogue: new StripeBillingCatalogue(fake.clientOptions()),
    flags: { dryRun: options.dryRun ?? false, yes: options.yes ?? false },
    out: (text) => lines.push(text),
    confirm: terminal
      ? async (question) => {
          questions.push(question);
          return options.answer === 'live';
        }
      : undefined,
  });
  return { code, output: lines.join('\n'), questions, writes: fake.writes().length };
}

describe('a dry run', () => {
  it('prints every change as a table and writes nothing', async () => {
    const { code, output, writes } = await command({ dryRun: true });
    expect(code).toBe(0);
    expect(writes).toBe(0);
    expect(output).toMatch(/^action\s+object\s+key\s+detail$/m);
    expect(output).toMatch(/^create\s+meter\s+carechain_rpc_compute_units\s+sum of rpc_compute_units$/m);
    expect(output).toMatch(
      /^create\s+price\s+carechain_enterprise_node_large_monthly\s+2490000 öre \(24900\.00 SEK\) per month$/m,
    );
    expect(output).toContain(`${EVERYTHING} change(s): ${EVERYTHING} creates.`);
    expect(output).toContain('Dry run: nothing was written.');
  });
});

describe('with a test key', () => {
  it('writes without asking, and a second run finds nothing to change', async () => {
    const first = await command({ terminal: true });
    expect(first.code).toBe(0);
    expect(first.questions).toEqual([]);
    expect(first.writes).toBe(EVERYTHING);
    expect(first.output).toContain('Stripe test mode.');

    const second = await command();
    expect(second).toMatchObject({ code: 0, writes: EVERYTHING });
    expect(second.output).toContain('Stripe already holds the catalogue: nothing to change.');
  });

  it('says how far it got when Stripe fails, and the next run carries on', async () => {
    fake = await FakeStripe.start();
    fake.failNext('POST', '/v1/products', { status: 400 });
    const stopped = await command();
    expect(stopped.code).toBe(1);
    expect(stopped.output).toContain(`Stopped after ${desired.meters.length} of ${EVERYTHING} change(s)`);
    expect(stopped.output).toContain('Run again to carry on.');

    const finished = await command();
    expect(finished.code).toBe(0);
    expect(finished.output).toContain(`${EVERYTHING - desired.meters.length} change(s)`);
  });
});

describe('with a live key', () => {
  const secretKey = 'sk_live_51CareChainFakeKey';

  it('refuses without a terminal to confirm on, and writes nothing', async () => {
    const { code, output, writes } = await command({ secretKey });
    expect(code).toBe(1);
    expect(writes).toBe(0);
    expect(output).toContain('Stripe live mode.');
    expect(output).toContain('Refusing to change a LIVE Stripe account without confirmation');
  });

  it('asks on a terminal and writes nothing unless the answer is "live"', async () => {
    const declined = await command({ secretKey, answer: 'yes' });
    expect(declined).toMatchObject({ code: 1, writes: 0 });
    expect(declined.questions).toEqual([expect.stringContaining('This changes your LIVE Stripe account')]);
    expect(declined.output).toContain('Not confirmed: nothing was written.');

    const confirmed = await command({ secretKey, answer: 'live' });
    expect(confirmed).toMatchObject({ code: 0, writes: EVERYTHING });
  });

  it('writes without a terminal when told --yes', async () => {
    expect(await command({ secretKey, yes: true })).toMatchObject({ code: 0, writes: EVERYTHING });
  });

  it('needs no confirmation for a dry run', async () => {
    expect(await command({ secretKey, dryRun: true })).toMatchObject({ code: 0, writes: 0, questions: [] });
  });
});

describe('the arguments', () => {
  it.each([
    [[], { dryRun: false, yes: false, help: false }],
    [['--dry-run'], { dryRun: true, yes: false, help: false }],
    [['--yes'], { dryRun: false, yes: true, help: false }],
    [['-y', '--dry-run'], { dryRun: true, yes: true, help: false }],
    [['--help'], { dryRun: false, yes: false, help: true }],
  ])('%j', (args, flags) => {
    expect(parseBillingSyncArgs(args)).toEqual(flags);
  });

  it('names an unknown option', () => {
    expect(parseBillingSyncArgs(['--force'])).toMatch(/--force/);
  });
});

describe('npm run billing:sync', () => {
  async function cli(args: string[], env: Record<string, string>) {
    // The child sees only the Stripe settings the test gives it, never the machine's.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('STRIPE_')));
    try {
      const { stdout, stderr } = await run(
        process.execPath,
        ['--import', 'tsx', 'functions/local/billing-sync.ts', ...args],
        { env: { ...inherited, ...env }, timeout: 30_000 },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  function stripeEnv(stripe: FakeStripe) {
    return {
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_API_HOST: '127.0.0.1',
      STRIPE_API_PORT: String(stripe.port),
      STRIPE_API_PROTOCOL: 'http',
    };
  }

  it('prints the dry-run table from the environment’s Stripe key', async () => {
    fake = await FakeStripe.start();
    const { code, stdout } = await cli(['--dry-run'], stripeEnv(fake));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^create\s+product\s+carechain-managed-member-node-small\s+/m);
    expect(fake.writes()).toEqual([]);
  });

  it('refuses a live key when not run on a terminal', async () => {
    fake = await FakeStripe.start({ secretKey: 'rk_live_51CareChainRestricted' });
    const { code, stdout } = await cli([], stripeEnv(fake));
    expect(code).toBe(1);
    expect(stdout).toContain('Refusing to change a LIVE Stripe account');
    expect(fake.writes()).toEqual([]);
  });

  it('syncs with a test key', async () => {
    fake = await FakeStripe.start();
    const { code, stdout } = await cli([], stripeEnv(fake));
    expect(code).toBe(0);
    expect(stdout).toContain(`Done: ${EVERYTHING} creates.`);
  });

  it('says what to set without a key, and shows usage for an unknown option', async () => {
    const missingKey = await cli([], {});
    expect(missingKey.code).toBe(1);
    expect(missingKey.stderr).toContain('STRIPE_SECRET_KEY is not set');
    const unknown = await cli(['--force'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Usage: npm run billing:sync');
  });
});
