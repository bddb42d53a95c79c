/**
 * Scheduled Lambda (EventBridge Scheduler, every minute): one health cycle over the fleet, read shard by shard
 * from the fleet GSI. An event `{ "shard": n }` limits the run to one GSI2 shard, so the schedule can fan out
 * one invocation per shard when the fleet outgrows one run. The cycle's unhealthy count is logged in CloudWatch
 * embedded metric format (namespace `CareChain`, metric `UnhealthyNodes`, dimension `Stage`), 0 included.
 *
 * Recovery reboots an instance; where the stage gives the monitor the fleet's launch settings (launch templates,
 * node subnets, node configuration bucket) it then replaces the instance once before giving up on the node.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { createFleetEc2Client, Ec2NodeProvider } from '../../shared/adapters/aws/ec2-node-provider.ts';
import { HttpNodeProbe } from '../../shared/adapters/http/http-node-probe.ts';
import { loadConfig } from '../../shared/config/config.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { HealthRepository } from '../../shared/store/health.repository.ts';
import { createStores } from '../../shared/store/stores.ts';
import { Table } from '../../shared/store/table.ts';
import { type CycleReport, HealthMonitor, type NodeRecoverer } from '../jobs/health-monitor.ts';
import { fleetNodeKeys } from './fleet-node-keys.ts';
import { fleetNodeArtifacts, S3NodeFiles } from './node-config-bucket.ts';

const config = loadConfig();
const clock = () => new Date();
const logger = createLogger({ level: config.logLevel, base: { mode: 'aws', function: 'monitor' } });
const table = new Table(new DynamoDBClient({ region: config.awsRegion }), config.tableName, clock);
const stores = createStores(table, clock);
const { launchTemplates, nodeSubnetIds, nodeConfigBucket, stage: fleetStage } = config.aws;
const canLaunch = launchTemplates !== undefined && nodeSubnetIds !== undefined && nodeConfigBucket !== undefined;
const provider = new Ec2NodeProvider({
  client: createFleetEc2Client({ region: config.awsRegion }),
  // Without the launch settings the monitor only reboots, and no launch template is ever read.
  launchTemplate: launchTemplates ?? { id: 'unused-by-the-monitor', version: '$Default' },
  ...(canLaunch && {
    subnetIds: nodeSubnetIds,
    nodeFiles: new S3NodeFiles(new S3Client({ region: config.awsRegion }), nodeConfigBucket),
    renderArtifacts: fleetNodeArtifacts,
    // A replaced instance must come back with the node's key, or a validator would leave the set.
    nodeKeys: fleetNodeKeys(config),
  }),
  ...(fleetStage !== undefined && { stage: fleetStage }),
});
const ec2: NodeRecoverer = canLaunch
  ? provider
  : { describe: (node) => provider.describe(node), restart: (node) => provider.restart(node) };
if (!canLaunch) logger.info('node replacement is off: the fleet launch settings are not configured');
const monitor = new HealthMonitor({
  nodes: stores.nodes,
  networks: stores.networks,
  audit: stores.audit,
  health: new HealthRepository(table),
  providers: { ec2 },
  // Members' URLs are untrusted: in AWS they may lead only to public addresses, never into the platform's network.
  probe: new HttpNodeProbe({ memberPrivateAddresses: false }),
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
