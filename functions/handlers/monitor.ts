/**
 * Scheduled Lambda (EventBridge Scheduler, every minute): one health cycle over the fleet, read shard by shard
 * from the fleet GSI. An event `{ "shard": n }` limits the run to one GSI2 shard, so the schedule can fan out
 * one invocation per shard when the fleet outgrows one run. The cycle's unhealthy count is logged in CloudWatch
 * embedded metric format (namespace `CareChain`, metric `UnhealthyNodes`, dimension `Stage`), 0 included.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createFleetEc2Client, Ec2NodeProvider } from '../../shared/adapters/aws/ec2-node-provider.ts';
import { loadConfig } from '../../shared/config/config.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { HealthRepository } from '../../shared/store/health.repository.ts';
import { createStores } from '../../shared/store/stores.ts';
import { Table } from '../../shared/store/table.ts';
import { type CycleReport, HealthMonitor } from '../jobs/health-monitor.ts';

const config = loadConfig();
const clock = () => new Date();
const logger = createLogger({ level: config.logLevel, base: { mode: 'aws', function: 'monitor' } });
const table = new Table(new DynamoDBClient({ region: config.awsRegion }), config.tableName, clock);
const stores = createStores(table, clock);
const ec2 = new Ec2NodeProvider({
  client: createFleetEc2Client({ region: config.awsRegion }),
  // The monitor reboots instances and never launches one, so no launch template is ever read.
  launchTemplate: { id: 'unused-by-the-monitor', version: '$Default' },
});
const monitor = new HealthMonitor({
  nodes: stores.nodes,
  networks: stores.networks,
  audit: stores.audit,
  health: new HealthRepository(table),
  providers: { ec2 },
  logger,
  clock,
});
const stage = process.env.CARECHAIN_STAGE ?? 'default';

export const handler = async (event: { shard?: number } = {}): Promise<CycleReport> => {
  const report = await monitor.runCycle(event.shard === undefined ? {} : { shard: event.shard });
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
