/**
 * How AWS mode builds the fleet's components, one function each: the node configuration bucket, the EC2 node
 * provider, the member-node probe, the health monitor, the reconciler and the fleet operations' jobs (network
 * health and stall recovery, rolling upgrades, backups; node keys and genesis validators are in
 * aws-node-keys.ts). Used by the monitor and reconciler handlers; local-wiring.ts is the counterpart for
 * `npm start`.
 *
 * Nothing here runs at import: handlers call these from their cold start.
 */
import { fleetNodeArtifacts } from '../../shared/adapters/aws/besu-service.ts';
import { Ec2NodeBackups } from '../../shared/adapters/aws/ec2-node-backups.ts';
import { Ec2NodeProvider } from '../../shared/adapters/aws/ec2-node-provider.ts';
import { Ec2NodeUpgrades } from '../../shared/adapters/aws/ec2-node-upgrades.ts';
import { S3BackupCopier } from '../../shared/adapters/aws/s3-backup-copier.ts';
import { S3NodeFiles } from '../../shared/adapters/aws/s3-node-files.ts';
import { HttpNodeProbe } from '../../shared/adapters/http/http-node-probe.ts';
import { SelfHostedNodeProvider } from '../../shared/adapters/self-hosted/self-hosted-node-provider.ts';
import { requireAwsSettings } from '../../shared/config/config.ts';
import type { BackupArtifact } from '../../shared/domain/backup-artifact.ts';
import type { BesuRelease } from '../../shared/domain/besu-release.ts';
import type { NodeRecord } from '../../shared/domain/node.ts';
import type { BackupStepRequest } from '../../shared/ports/node-provider.ts';
import { AuditRepository } from '../../shared/store/audit.repository.ts';
import { BackupsRepository } from '../../shared/store/backups.repository.ts';
import { HealthRepository } from '../../shared/store/health.repository.ts';
import { NetworksRepository } from '../../shared/store/networks.repository.ts';
import { NodesRepository } from '../../shared/store/nodes.repository.ts';
import { createStores } from '../../shared/store/stores.ts';
import { BackupRunner } from '../jobs/fleet/backup-runner.ts';
import { NetworkHealthMonitor } from '../jobs/fleet/network-health-monitor.ts';
import { UpgradeRunner } from '../jobs/fleet/upgrade-runner.ts';
import { HealthMonitor, type NodeRecoverer } from '../jobs/health-monitor.ts';
import { NetworkPeering } from '../jobs/network-peering.ts';
import { NodeReconciler } from '../jobs/node-reconciler.ts';
import { NetworkFleet } from '../services/fleet/network-fleet.ts';
import { type AwsCore, ec2Client, s3Client } from './aws-core.ts';
import { fleetNodeKeys } from './aws-node-keys.ts';

/** The node configuration bucket's writer. */
export function nodeFiles(core: AwsCore, bucket: string): S3NodeFiles {
  return new S3NodeFiles(s3Client(core), bucket);
}

/**
 * Managed nodes on EC2, launched from the fleet's launch templates with their files written to the node
 * configuration bucket first and their keys in Secrets Manager. `launch` requires the launch settings (the
 * reconciler); `recover` works without them and then only describes and reboots (the monitor of a stage without
 * them), since no launch template is ever read.
 */
export function ec2NodeProvider(core: AwsCore, purpose: 'launch'): Ec2NodeProvider;
export function ec2NodeProvider(core: AwsCore, purpose: 'recover'): NodeRecoverer;
export function ec2NodeProvider(core: AwsCore, purpose: 'launch' | 'recover'): Ec2NodeProvider | NodeRecoverer {
  const { launchTemplates, nodeSubnetIds, nodeConfigBucket, stage } = core.config.aws;
  const canLaunch = launchTemplates !== undefined && nodeSubnetIds !== undefined && nodeConfigBucket !== undefined;
  if (purpose === 'launch' || canLaunch) {
    const aws = requireAwsSettings(
      core.config,
      ['launchTemplates', 'nodeSubnetIds', 'nodeConfigBucket'],
      'the reconciler, which launches managed nodes',
    );
    return new Ec2NodeProvider({
      client: ec2Client(core),
      launchTemplate: aws.launchTemplates,
      subnetIds: aws.nodeSubnetIds,
      nodeFiles: nodeFiles(core, aws.nodeConfigBucket),
      // A node joining after a rolling upgrade boots on the network's release, not the launch template's.
      releases: nodeFiles(core, aws.nodeConfigBucket),
      renderArtifacts: fleetNodeArtifacts,
      // A replaced instance must come back with the node's key, or a validator would leave the set.
      nodeKeys: fleetNodeKeys(core),
      ...(stage !== undefined && { stage }),
    });
  }
  core.logger.info('node replacement is off: the fleet launch settings are not configured');
  const provider = new Ec2NodeProvider({
    client: ec2Client(core),
    launchTemplate: { id: 'unused-by-the-monitor', version: '$Default' },
    ...(stage !== undefined && { stage }),
  });
  return { describe: (node) => provider.describe(node), restart: (node) => provider.restart(node) };
}

/** Members' URLs are untrusted: in AWS they may lead only to public addresses, never into the platform's network. */
export function memberNodeProbe(): HttpNodeProbe {
  return new HttpNodeProbe({ memberPrivateAddresses: false });
}

/** Probes every node; recovers EC2 nodes (reboot, then replace where the fleet's launch settings are given). */
export function healthMonitor(core: AwsCore): HealthMonitor {
  const { table, clock, logger } = core;
  return new HealthMonitor({
    nodes: new NodesRepository(table, clock),
    networks: new NetworksRepository(table),
    audit: new AuditRepository(table),
    health: new HealthRepository(table),
    providers: { ec2: ec2NodeProvider(core, 'recover') },
    probe: memberNodeProbe(),
    logger,
    clock,
    // A node a backup took down is left to the backup (ec2-node-backups.ts).
    backups: new BackupsRepository(table),
  });
}

/** The reconciler over EC2 nodes and members' self-hosted nodes, peering nodes through the configuration bucket. */
export function nodeReconciler(core: AwsCore): NodeReconciler {
  const { table, clock, logger } = core;
  const nodes = new NodesRepository(table, clock);
  const networks = new NetworksRepository(table);
  const ec2 = ec2NodeProvider(core, 'launch');
  const { nodeConfigBucket } = requireAwsSettings(core.config, ['nodeConfigBucket'], 'the reconciler');
  const selfHosted = new SelfHostedNodeProvider(async (id) => (await networks.get(id))?.chainId, memberNodeProbe());
  return new NodeReconciler({
    nodes,
    networks,
    audit: new AuditRepository(table),
    // An instance a backup stopped stays stopped until the backup's snapshot (ec2-node-backups.ts).
    backups: new BackupsRepository(table),
    providers: { ec2, external: selfHosted },
    logger,
    clock,
    peering: new NetworkPeering({
      nodes,
      networks,
      logger: logger.child({ component: 'peering' }),
      staticNodes: nodeFiles(core, nodeConfigBucket),
    }),
  });
}

/**
 * Network health and stall recovery, rolling upgrades and backups over the EC2 fleet: instances are rebooted for a
 * coordinated restart, upgraded by writing their release to the node configuration bucket and rebooting (the boot's
 * release step installs and verifies it), and backed up as EBS snapshots of their chain-data volume. Without the
 * bucket an upgrade plan pauses at its first node with the reason (docs/architecture.md, "Fleet operations").
 */
export function fleetOperations(core: AwsCore) {
  const { table, clock, logger } = core;
  const stores = createStores(table, clock);
  const recoverer = ec2NodeProvider(core, 'recover');
  const bucket = core.config.aws.nodeConfigBucket;
  const backupBucket = core.config.aws.nodeBackupBucket;
  // With both buckets a backup also brings the archive member copies are made from (ec2-node-backups.ts).
  const archives = bucket && backupBucket ? { s3: s3Client(core), configBucket: bucket, backupBucket } : undefined;
  const backups = new Ec2NodeBackups({
    client: ec2Client(core),
    ...(core.config.aws.stage !== undefined && { stage: core.config.aws.stage }),
    ...(archives && { archives }),
  });
  const upgrades = bucket && new Ec2NodeUpgrades({ client: ec2Client(core), releases: nodeFiles(core, bucket) });
  const ec2 = {
    restart: (node: NodeRecord) => recoverer.restart(node),
    ...(upgrades && {
      upgrade: (node: NodeRecord, release: BesuRelease | undefined, flags: readonly string[]) =>
        upgrades.upgrade(node, release, flags),
    }),
    backup: (node: NodeRecord, step: BackupStepRequest) => backups.backup(node, step),
    deleteBackup: (artifact: BackupArtifact) => backups.deleteBackup(artifact),
  };
  const fleet = new NetworkFleet({ stores, providers: { ec2 } });
  return {
    monitor: new NetworkHealthMonitor({ stores, fleet, clock, logger: logger.child({ component: 'network-health' }) }),
    upgrades: new UpgradeRunner({ stores, fleet, clock, logger: logger.child({ component: 'rolling-upgrades' }) }),
    backups: new BackupRunner({
      stores,
      fleet,
      clock,
      logger: logger.child({ component: 'backups' }),
      // Copies go under carechain/ of each member's bucket, the prefix its bucket policy grants.
      ...(backupBucket && { copier: new S3BackupCopier({ s3: s3Client(core), backupBucket }) }),
    }),
  };
}
