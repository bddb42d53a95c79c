/**
 * Local stand-in for the metering and billing schedules: node-hours accrue every half minute, the hourly
 * metering run (rollups, Stripe meter events when billing is on) every few minutes, and the billing grace job
 * (past due beyond the grace period → suspended) every minute. Every run is safe to repeat.
 */
import type { Logger } from '../../shared/observability/logger.ts';
import { runBillingGraceJob } from '../jobs/billing/billing-grace.job.ts';
import { type MeteringJobDeps, runHourlyMetering } from '../jobs/metering-jobs.ts';
import { accrueNodeHours } from '../jobs/node-hours.ts';

export function startMeteringWorker(
  deps: MeteringJobDeps & { readonly logger: Logger },
  intervals: { nodeHoursMs?: number; hourlyMs?: number; graceMs?: number } = {},
) {
  const running = new Set<Promise<unknown>>();
  const every = (name: string, ms: number, work: () => Promise<unknown>) => {
    const timer = setInterval(() => {
      const run = work()
        .catch((error: unknown) => deps.logger.warn(`${name} failed; the next run retries`, { error }))
        .finally(() => running.delete(run));
      running.add(run);
    }, ms);
    timer.unref();
    return timer;
  };
  const timers = [
    every('node-hours', intervals.nodeHoursMs ?? 30_000, () => accrueNodeHours(deps)),
    every('hourly metering', intervals.hourlyMs ?? 5 * 60_000, () => runHourlyMetering(deps)),
    every('billing grace', intervals.graceMs ?? 60_000, () => runBillingGraceJob(deps.billing)),
  ];
  return {
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.all(running);
      // Settle the time served up to the shutdown.
      await accrueNodeHours(deps).catch((error: unknown) => deps.logger.warn('node-hours failed', { error }));
    },
  };
}
