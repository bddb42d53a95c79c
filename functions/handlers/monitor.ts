/**
 * Scheduled Lambda (EventBridge Scheduler, every minute): one health cycle over the fleet, read shard by shard
 * from the fleet GSI. An event `{ "shard": n }` limits the run to one GSI2 shard, so the schedule can fan out
 * one invocation per shard when the fleet outgrows one run. The cycle's unhealthy count is logged in CloudWatch
 * embedded metric format (namespace `CareChain`, metric `UnhealthyNodes`, dimension `Stage`), 0 included.
 *
 * Recovery reboots an instance; where the stage gives the monitor the fleet's launch settings (launch templates,
 * node subnets, node configuration bucket) it then replaces the instance once before giving up on the node.
 */
import type { CycleReport } from '../jobs/health-monitor.ts';
import { type AwsWiringOptions, awsCore, coldStart } from './aws-core.ts';
import { healthMonitor } from './aws-fleet.ts';

export interface MonitorEvent {
  readonly shard?: number;
}

export function createMonitorHandler(options: AwsWiringOptions = {}) {
  const ready = coldStart(async () => {
    const core = awsCore('monitor', options);
    return { monitor: healthMonitor(core), clock: core.clock, stage: core.config.aws.stage ?? 'default' };
  });
  return async (event: MonitorEvent = {}): Promise<CycleReport> => {
    const { monitor, clock, stage } = await ready();
    const report = await monitor.runCycle(event.shard === undefined ? {} : { shard: event.shard });
    // Lambda sends standard output to CloudWatch Logs, which reads the `_aws` envelope as a metric.
    process.stdout.write(
      `${JSON.stringify({
        _aws: {
          Timestamp: clock().getTime(),
          CloudWatchMetrics: [
            { Namespace: 'CareChain', Dimensions: [['Stage']], Metrics: [{ Name: 'UnhealthyNodes', Unit: 'Count' }] },
          ],
        },
        Stage: stage,
        UnhealthyNodes: report.unhealthy,
        cycle: report,
      })}\n`,
    );
    return report;
  };
}

export const handler = createMonitorHandler();
