/**
 * Local stand-in for the fleet operations' schedule (docs/architecture.md, "Fleet operations"): one pass at a fixed
 * rate that looks at every network (network-health monitor, stall recovery), takes each running rolling upgrade one
 * step further and takes due backups. Passes never overlap; a pass that overruns is followed at once by the next.
 */
import { LocalBucketCopier } from '../../shared/adapters/local/local-bucket-copier.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import type { createStores } from '../../shared/store/stores.ts';
import { BackupRunner } from '../jobs/fleet/backup-runner.ts';
import { NetworkHealthMonitor } from '../jobs/fleet/network-health-monitor.ts';
import { UpgradeRunner } from '../jobs/fleet/upgrade-runner.ts';
import type { NetworkFleet } from '../services/fleet/network-fleet.ts';

export interface FleetJobs {
  readonly monitor: NetworkHealthMonitor;
  readonly upgrades: UpgradeRunner;
  readonly backups: BackupRunner;
}

export function startFleetWorker(jobs: FleetJobs, options: { readonly logger: Logger; readonly intervalMs: number }) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const pass = async () => {
    // Each job's failure is its own: the others still run.
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['network health', () => jobs.monitor.runPass()],
      ['rolling upgrades', () => jobs.upgrades.runPass()],
      ['backups', () => jobs.backups.runPass()],
    ];
    for (const [name, run] of steps) {
      if (stopped) return;
      await run().catch((error: unknown) =>
        options.logger.warn(`${name} pass failed; the next one retries`, { error }),
      );
    }
  };

  const tick = () => {
    timer = undefined;
    if (stopped) return;
    const started = Date.now();
    running = pass().finally(() => {
      running = undefined;
      if (stopped) return;
      timer = setTimeout(tick, Math.max(0, options.intervalMs - (Date.now() - started)));
      timer.unref();
    });
  };
  timer = setTimeout(tick, 0);
  timer.unref();

  return {
    /** Waits for the pass under way, if any. */
    async idle() {
      await running;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

export type FleetWorker = ReturnType<typeof startFleetWorker>;

/** The fleet operations' jobs; member copies of backups go to folders under the data dir (local-bucket-copier.ts). */
export function localFleetJobs(parts: {
  readonly stores: ReturnType<typeof createStores>;
  readonly fleet: NetworkFleet;
  readonly dataDir: string;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly stallRestartDelayMs: number;
}): FleetJobs {
  const { stores, fleet, clock, logger } = parts;
  return {
    monitor: new NetworkHealthMonitor({
      stores,
      fleet,
      clock,
      logger: logger.child({ component: 'network-health' }),
      recovery: { restartDelayMs: parts.stallRestartDelayMs },
    }),
    upgrades: new UpgradeRunner({ stores, fleet, clock, logger: logger.child({ component: 'rolling-upgrades' }) }),
    backups: new BackupRunner({
      stores,
      fleet,
      copier: new LocalBucketCopier(parts.dataDir),
      clock,
      logger: logger.child({ component: 'backups' }),
    }),
  };
}
