/**
 * One EC2 launch template per node size, all sharing the node role, the node security group and the Besu
 * bootstrap. The control plane launches nodes only from these templates (IAM enforces it), so everything that
 * matters for a node's security is fixed here: IMDSv2 with a hop limit of 1, encrypted gp3 volumes, no SSH key
 * (operators use SSM Session Manager), detailed monitoring. The node role reads the node's configuration and,
 * through its instance tag, the node's own key.
 */
import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { nodeKeySecretPrefix } from '../../shared/adapters/aws/node-key-secrets.ts';
import { NODE_SIZES, type NodeSize } from '../../shared/domain/node.ts';
import { type BesuRelease, besuBootstrapUserData } from './besu-bootstrap.ts';
import { wildcardResourceFinding } from './nag-finding-ids.ts';
import { NODE_CONFIG_PREFIX } from './node-config-bucket.ts';
import {
  NODE_KEY_SECRETS_WILDCARD_REASON,
  nodeKeySecretsArn,
  readOwnNodeKeyStatements,
} from './node-key-permissions.ts';
import { NODE_SIZE_SPECS } from './node-sizes.ts';

export interface NodeLaunchTemplatesProps {
  readonly securityGroup: ec2.ISecurityGroup;
  /** Holds `nodes/<nodeId>/…` configuration written by the control plane. */
  readonly configBucket: s3.IBucket;
  /** The platform's backup bucket, where instances upload the archives of requested backups. */
  readonly backupBucketName: string;
  /** Encrypts the node-key secrets the bootstrap reads. */
  readonly nodeKeyEncryptionKey: kms.IKey;
  /** Deployment stage: names the node-key secrets (`carechain/<stage>/node-keys/<nodeId>`) instances may read. */
  readonly stage: string;
  readonly besu: BesuRelease;
  /** Prefix of the launch template names, e.g. `carechain-dev`. */
  readonly namePrefix: string;
}

export class NodeLaunchTemplates extends Construct {
  readonly role: iam.Role;
  readonly templates: Readonly<Record<NodeSize, ec2.LaunchTemplate>>;

  constructor(scope: Construct, id: string, props: NodeLaunchTemplatesProps) {
    super(scope, id);

    this.role = new iam.Role(this, 'NodeRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'CareChain Besu node instances',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason:
        'AmazonSSMManagedInstanceCore is the AWS-maintained minimum for the SSM agent; Session Manager replaces ' +
        'SSH, so nodes have no key pair and no inbound admin port.',
    });
    const nodeConfigObjects = props.configBucket.arnForObjects(`${NODE_CONFIG_PREFIX}*`);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadNodeConfiguration',
        actions: ['s3:GetObject'],
        resources: [nodeConfigObjects],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: wildcardResourceFinding(this.role, nodeConfigObjects),
      reason:
        'A node reads its own genesis, config.toml and static-nodes under nodes/<nodeId>/; the node id is only ' +
        'known at launch. The objects hold no secrets (genesis and public enode URLs).',
    });
    for (const statement of readOwnNodeKeyStatements(this, {
      stage: props.stage,
      encryptionKey: props.nodeKeyEncryptionKey,
    })) {
      this.role.addToPolicy(statement);
    }
    Validations.of(this.role).acknowledge({
      id: wildcardResourceFinding(this.role, nodeKeySecretsArn(this, props.stage)),
      reason: NODE_KEY_SECRETS_WILDCARD_REASON.read,
    });

    const templates = {} as Record<NodeSize, ec2.LaunchTemplate>;
    for (const size of NODE_SIZES) {
      const spec = NODE_SIZE_SPECS[size];
      templates[size] = new ec2.LaunchTemplate(this, `${capitalise(size)}Node`, {
        launchTemplateName: `${props.namePrefix}-node-${size}`,
        instanceType: new ec2.InstanceType(spec.instanceType),
        machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
        userData: besuBootstrapUserData({
          besu: props.besu,
          configBucketName: props.configBucket.bucketName,
          backupBucketName: props.backupBucketName,
          nodeKeySecretPrefix: nodeKeySecretPrefix(props.stage),
          heapGiB: spec.besuHeapGiB,
        }),
        role: this.role,
        securityGroup: props.securityGroup,
        requireImdsv2: true,
        httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
        // One hop: a container or proxy on the node cannot borrow the instance credentials.
        httpPutResponseHopLimit: 1,
        // The bootstrap reads the node id from the instance's tags.
        instanceMetadataTags: true,
        detailedMonitoring: true,
        ebsOptimized: true,
        blockDevices: [
          {
            deviceName: '/dev/xvda',
            volume: ec2.BlockDeviceVolume.ebs(20, {
              volumeType: ec2.EbsDeviceVolumeType.GP3,
              encrypted: true,
              deleteOnTermination: true,
            }),
          },
          {
            deviceName: '/dev/sdf',
            volume: ec2.BlockDeviceVolume.ebs(spec.dataVolumeGiB, {
              volumeType: ec2.EbsDeviceVolumeType.GP3,
              iops: spec.dataVolumeIops,
              throughput: spec.dataVolumeThroughputMiBps,
              encrypted: true,
              // A replaced node resyncs from its peers; keeping volumes would leave orphans behind.
              deleteOnTermination: true,
            }),
          },
        ],
      });
    }
    this.templates = templates;
  }
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
