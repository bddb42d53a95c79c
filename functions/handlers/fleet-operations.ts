/**
 * Scheduled Lambda (EventBridge Scheduler, every minute): the fleet operations' pass (docs/architecture.md, "Fleet
 * operations"): every network looked at (state, incidents, the coordinated restart of a stalled network's
 * validators), each running rolling upgrade taken one step further, due backups taken. Each job's failure is
 * logged and left to the next run; the others still run.
 */
import { type AwsWiringOptions, awsCore, coldStart } from './aws-core.ts';
import { fleetOperations } from './aws-fleet.ts';

export function createFleetOperationsHandler(options: AwsWiringOptions = {}) {
  const ready = coldStart(async () => {
    const core = awsCore('fleet-operations', options);
    return { jobs: fleetOperations(core), logger: core.logger };
  });
  return async (): Promise<Record<string, unknown>> => {
    const { jobs, logger } = await ready();
    const report: Record<string, unknown> = {};
    for (const [name, run] of [
      ['networks', () => jobs.monitor.runPass()],
      ['upgrades', () => jobs.upgrades.runPass()],
      ['backups', () => jobs.backups.runPass()],
    ] as const) {
      try {
        report[name] = await run();
      } catch (error) {
        logger.warn(`fleet ${name} pass failed; the next run retries`, { error });
        report[name] = { failed: true };
      }
    }
    return report;
  };
}

export const handler = createFleetOperationsHandler();
