/**
 * Scheduled Lambda (EventBridge Scheduler, ten minutes past every hour): the hourly metering run the local
 * metering worker also runs (node-hours, rollups, Stripe meter events), then the billing grace job (accounts past
 * due beyond the grace period are suspended; node actions a crash left pending are run again).
 *
 * Both jobs are safe to repeat. Each runs even if the other failed; a failure then fails the invocation, so the
 * scheduler's retries run them again.
 */
import { runBillingGraceJob } from '../jobs/billing/billing-grace.job.ts';
import { runHourlyMetering } from '../jobs/metering-jobs.ts';
import { awsBillingDeps } from './aws-billing.ts';
import { type AwsWiringOptions, coldStart } from './aws-core.ts';

export function createMeteringHandler(options: AwsWiringOptions = {}) {
  const ready = coldStart(() => awsBillingDeps('metering', options));
  return async () => {
    const deps = await ready();
    const { stores, usage, usageRecords, clock, logger } = deps;
    const billing = deps.billingWiring.deps;
    const failures: unknown[] = [];
    const attempt = <T>(job: Promise<T>) =>
      job.catch((error: unknown) => {
        failures.push(error);
        return undefined;
      });
    try {
      const metering = await attempt(
        runHourlyMetering({ nodes: stores.nodes, usage, usageRecords, billing, clock, logger }),
      );
      const grace = await attempt(runBillingGraceJob(billing));
      if (failures.length > 0) throw new AggregateError(failures, 'Hourly metering or the billing grace job failed');
      logger.info('billing grace job finished', { ...grace });
      return { metering, grace };
    } finally {
      await deps.settle();
    }
  };
}

export const handler = createMeteringHandler();
