/**
 * The billing readiness check against the Stripe-shaped test server: what is missing on an empty account and the
 * command that fixes it, ready once synced, Stripe read at most once per period however often health asks, and
 * a failed check reported (never thrown, never showing the key).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyCatalogueSync, planCatalogueSync } from '../../../functions/services/billing/billing-catalogue-sync.ts';
import { BillingReadiness, describeReadiness } from '../../../functions/services/billing/billing-readiness.ts';
import { StripeBillingCatalogue } from '../../../shared/adapters/stripe/stripe-billing-catalogue.ts';
import { desiredCatalogue } from '../../../shared/domain/billing-catalogue.ts';
import { createLogger } from '../../../shared/observability/logger.ts';
import { FakeStripe } from '../../support/fake-stripe.ts';
import { TestClock } from './billing-fixture.ts';

const desired = desiredCatalogue();
const FIX = 'npm run billing:sync';

let fake: FakeStripe;
let clock: TestClock;
let logLines: string[];
beforeEach(async () => {
  fake = await FakeStripe.start();
  clock = new TestClock(new Date('2026-11-02T10:00:00Z'));
  logLines = [];
});
afterEach(async () => {
  await fake?.close();
});

function readiness(catalogue = new StripeBillingCatalogue(fake.clientOptions())) {
  return new BillingReadiness({
    catalogue,
    fix: FIX,
    clock: clock.now,
    logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
  });
}

async function sync() {
  const catalogue = new StripeBillingCatalogue(fake.clientOptions());
  await applyCatalogueSync(catalogue, await planCatalogueSync(catalogue));
}

const reads = () => fake.requests.filter((request) => request.method === 'GET').length;

describe('billing readiness', () => {
  it('is only "off" with billing off', async () => {
    const off = new BillingReadiness({ catalogue: undefined, fix: FIX, clock: clock.now, logger: createLogger() });
    expect(await off.current()).toEqual({ enabled: false });
    expect(describeReadiness(await off.current())).toMatch(/^off/);
  });

  it('names every missing lookup key and meter on an empty account, and the command that fixes it', async () => {
    const report = await readiness().current();
    expect(report).toMatchObject({ enabled: true, mode: 'test', ready: false, fix: FIX });
    expect(report.missing).toHaveLength(desired.prices.length + desired.meters.length);
    expect(report.missing).toContain('price carechain_enterprise_node_small_monthly');
    expect(report.missing).toContain('meter carechain_rpc_compute_units');
    expect(describeReadiness(report)).toContain(`NOT READY: ${report.missing?.length} missing`);
    expect(describeReadiness(report)).toContain(`Fix: ${FIX}`);
    expect(logLines.filter((line) => line.includes('cannot take payment'))).toHaveLength(1);
  });

  it('reads Stripe at most once per period, and shows a sync once the short period has passed', async () => {
    const check = readiness();
    await check.current();
    const afterFirst = reads();
    for (let i = 0; i < 5; i++) await check.current();
    expect(reads()).toBe(afterFirst);

    await sync();
    expect((await check.current()).ready).toBe(false);
    clock.advance(30_000);
    const report = await check.current();
    expect(report).toMatchObject({ ready: true, missing: [], pendingChanges: 0 });
    expect(report.fix).toBeUndefined();
    expect(describeReadiness(report)).toBe('Stripe test mode, catalogue ready');
    expect(logLines.filter((line) => line.includes('cannot take payment'))).toHaveLength(1);
    expect(logLines.filter((line) => line.includes('billing catalogue ready'))).toHaveLength(1);
  });

  it('keeps a ready result longer, then notices what went missing', async () => {
    await sync();
    const check = readiness();
    expect((await check.current()).ready).toBe(true);
    const meter = [...fake.catalogue.meters.values()].find((m) => m.event_name === 'carechain_signatures');
    if (meter) meter.status = 'inactive';

    clock.advance(5 * 60_000);
    expect((await check.current()).ready).toBe(true);
    clock.advance(5 * 60_000);
    expect(await check.current()).toMatchObject({ ready: false, missing: ['meter carechain_signatures'] });
  });

  it('shares one check between concurrent callers', async () => {
    const check = readiness();
    await Promise.all([check.current(), check.current(), check.current()]);
    const perCheck = reads();
    await sync();
    clock.advance(60_000);
    const before = reads();
    await Promise.all([check.current(), check.current(), check.current()]);
    expect(reads() - before).toBe(perCheck);
  });

  it('reports a key Stripe refuses, without the key', async () => {
    const wrongKey = 'sk_test_wrong_key_1234567890';
    const report = await readiness(
      new StripeBillingCatalogue({ ...fake.clientOptions(), secretKey: wrongKey }),
    ).current();
    expect(report).toMatchObject({ enabled: true, ready: false, fix: expect.stringContaining('STRIPE_SECRET_KEY') });
    expect(report.error).toMatch(/Stripe refused or failed to read the catalogue/);
    expect(JSON.stringify(report)).not.toContain(wrongKey);
  });

  it('reports a Stripe it cannot reach', async () => {
    const { port } = fake;
    await fake.close();
    const report = await readiness(
      new StripeBillingCatalogue({
        secretKey: 'sk_test_x',
        host: '127.0.0.1',
        port,
        protocol: 'http',
        maxNetworkRetries: 0,
      }),
    ).current();
    expect(report).toMatchObject({ enabled: true, ready: false, error: expect.stringContaining('Stripe') });
    expect(describeReadiness(report)).toContain('not ready');
  });
});
