/**
 * NodeFleetStack: where managed Besu nodes run. The VPC and its security groups, the node configuration
 * bucket, the KMS key that encrypts node keys in Secrets Manager, and one launch template per node size. It creates no instances: the control plane launches them with
 * SDK calls (one CloudFormation stack per tenant would take minutes and hit the 2,000-stacks-per-region limit).
 *
 * The control-plane stack takes what it needs from here as typed properties (CDK turns them into exports).
 */
import { Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { NodeSize } from '../../shared/domain/node.ts';
import { AccessLogsBucket } from '../constructs/access-logs-bucket.ts';
import { FleetNetwork } from '../constructs/fleet-network.ts';
import { wildcardResourceFinding } from '../constructs/nag-finding-ids.ts';
import { NodeBackupBucket } from '../constructs/node-backup-bucket.ts';
import { NodeConfigBucket } from '../constructs/node-config-bucket.ts';
import { NodeLaunchTemplates } from '../constructs/node-launch-templates.ts';
import { giveProviderFunctionsLogGroups } from '../constructs/provider-log-groups.ts';
import { RESOURCE_TAG } from '../constructs/resource-tags.ts';
import type { DeploymentSettings } from './deployment-settings.ts';

export interface NodeFleetStackProps extends StackProps {
  readonly settings: DeploymentSettings;
}

export class NodeFleetStack extends Stack {
  readonly vpc: ec2.IVpc;
  readonly nodeSubnets: ec2.SelectedSubnets;
  readonly controlSubnets: ec2.SubnetSelection;
  readonly nodeSecurityGroup: ec2.ISecurityGroup;
  /** Carried by the control-plane functions that call node JSON-RPC. */
  readonly controlPlaneSecurityGroup: ec2.ISecurityGroup;
  readonly launchTemplates: Readonly<Record<NodeSize, ec2.LaunchTemplate>>;
  readonly nodeRole: iam.IRole;
  readonly nodeConfigBucket: s3.IBucket;
  /** Archives of nodes' chain data, uploaded by the instances, copied to members' buckets. */
  readonly nodeBackupBucket: s3.IBucket;
  /** Encrypts the Secrets Manager secrets holding nodes' Besu keys (`carechain/<stage>/node-keys/<nodeId>`). */
  readonly nodeKeyEncryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: NodeFleetStackProps) {
    super(scope, id, props);
    const { settings } = props;
    // Launch templates tag instances and volumes with every stack tag, so IAM can keep stages apart.
    Tags.of(this).add(RESOURCE_TAG.stage, settings.stage);

    const network = new FleetNetwork(this, 'Network', {
      availabilityZones: settings.availabilityZones,
      natGateways: settings.natGateways,
      memberPeerCidrs: settings.memberPeerCidrs,
      flowLogRetention: settings.logRetention,
      logRemovalPolicy: settings.removalPolicy,
    });

    const accessLogs = new AccessLogsBucket(this, 'AccessLogs');
    const nodeConfig = new NodeConfigBucket(this, 'NodeConfig', {
      namePrefix: settings.namePrefix,
      accessLogsBucket: accessLogs.bucket,
    });

    const nodeBackups = new NodeBackupBucket(this, 'NodeBackups', {
      namePrefix: settings.namePrefix,
      accessLogsBucket: accessLogs.bucket,
    });

    const nodeKeyEncryptionKey = new kms.Key(this, 'NodeKeyEncryptionKey', {
      description: `CareChain ${settings.stage} node keys: encrypts the Besu node keys kept in Secrets Manager`,
      enableKeyRotation: true,
      alias: `${settings.namePrefix}-node-keys`,
      removalPolicy: settings.removalPolicy,
    });

    const nodes = new NodeLaunchTemplates(this, 'Nodes', {
      securityGroup: network.nodeSecurityGroup,
      configBucket: nodeConfig.bucket,
      backupBucketName: nodeBackups.bucket.bucketName,
      nodeKeyEncryptionKey,
      stage: settings.stage,
      besu: settings.besu,
      namePrefix: settings.namePrefix,
    });

    const uploadArchives = nodeBackups.uploadOwnArchivesStatement();
    nodes.role.addToPolicy(uploadArchives);
    Validations.of(nodes.role).acknowledge({
      id: wildcardResourceFinding(nodes.role, uploadArchives.resources[0] as string),
      reason:
        'An instance uploads the archives of its own chain data under archives/<its instance ARN>/ only (the ' +
        'ec2:SourceInstanceARN policy variable); the backup ids are only known when a backup runs.',
    });

    giveProviderFunctionsLogGroups(this, settings.logRetention, settings.removalPolicy);

    this.vpc = network.vpc;
    this.nodeSubnets = network.nodeSubnets;
    this.controlSubnets = network.controlSubnets;
    this.nodeSecurityGroup = network.nodeSecurityGroup;
    this.controlPlaneSecurityGroup = network.controlPlaneSecurityGroup;
    this.launchTemplates = nodes.templates;
    this.nodeRole = nodes.role;
    this.nodeConfigBucket = nodeConfig.bucket;
    this.nodeBackupBucket = nodeBackups.bucket;
    this.nodeKeyEncryptionKey = nodeKeyEncryptionKey;
  }
}
