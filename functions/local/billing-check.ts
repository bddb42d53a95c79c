/**
 * The start-up billing check of `npm start`: with billing on, whether Stripe holds every price and meter billing
 * needs. Start-up waits a little for the answer, so the banner can say it, and goes on regardless: everything but
 * payment works without the catalogue, and `npm run billing:sync` needs no restart (GET /health checks again).
 */
import { StripeBillingCatalogue } from '../../shared/adapters/stripe/stripe-billing-catalogue.ts';
import type { Config } from '../../shared/config/config.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import { BillingReadiness, type BillingReadinessReport } from '../services/billing/billing-readiness.ts';

/** How long start-up waits for the check; a slower Stripe answer lands in GET /health. */
const START_UP_WAIT_MS = 10_000;

export async function checkBillingAtStart(
  stripe: Config['stripe'],
  clock: () => Date,
  logger: Logger,
): Promise<{ readiness: BillingReadiness; atStart: BillingReadinessReport | undefined }> {
  const { secretKey, host, port, protocol } = stripe;
  const readiness = new BillingReadiness({
    // Short deadlines: this client only answers health checks, which should not hang on Stripe.
    catalogue: secretKey
      ? new StripeBillingCatalogue({ secretKey, host, port, protocol, timeoutMs: 5_000, maxNetworkRetries: 1 })
      : undefined,
    fix: 'npm run billing:sync',
    clock,
    logger: logger.child({ component: 'billing' }),
  });
  return { readiness, atStart: await within(readiness.check(), START_UP_WAIT_MS) };
}

/** The promise's value, or undefined once `ms` have passed (the check itself carries on). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
    void promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}
