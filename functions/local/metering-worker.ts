/**
 * Local stand-in for the metering schedules: node-hours accrue every half minute and the hourly rollups run
 * every few minutes for the previous and the current hour (re-running a rollup is always safe).
 */

import type { UsageRepository } from '../../shared/metering/usage.repository.ts';
import type { UsageRecorder } from '../../shared/metering/usage-meter.ts';
import { rollupHour } from '../../shared/metering/usage-rollup.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import type { NodesRepository } from '../../shared/store/nodes.repository.ts';
import { accrueNodeHours } from '../jobs/node-hours.ts';

export function startMeteringWorker(deps: {
  readonly nodes: NodesRepository;
  readonly usage: UsageRecorder;
  readonly usageRecords: UsageRepository;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly nodeHoursIntervalMs?: number;
  readonly rollupIntervalMs?: number;
}) {
  const running = new Set<Promise<unknown>>();
  const track = (name: string, work: () => Promise<unknown>) => {
    const run = work()
      .catch((error: unknown) => deps.logger.warn(`${name} failed; the next run retries`, { error }))
      .finally(() => running.delete(run));
    running.add(run);
  };
  const nodeHours = setInterval(
    () => track('node-hours', () => accrueNodeHours(deps)),
    deps.nodeHoursIntervalMs ?? 30_000,
  );
  const rollups = setInterval(
    () =>
      track('usage rollup', async () => {
        const now = deps.clock();
        await rollupHour(deps.usageRecords, new Date(now.getTime() - 3_600_000), deps.clock);
        await rollupHour(deps.usageRecords, now, deps.clock);
      }),
    deps.rollupIntervalMs ?? 5 * 60_000,
  );
  nodeHours.unref();
  rollups.unref();
  return {
    async stop() {
      clearInterval(nodeHours);
      clearInterval(rollups);
      await Promise.all(running);
      // Settle the time served up to the shutdown.
      await accrueNodeHours(deps).catch((error: unknown) => deps.logger.warn('node-hours failed', { error }));
    },
  };
}
