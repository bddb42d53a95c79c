/**
 * The bucket the control plane writes each node's configuration to (`nodes/<nodeId>/genesis.json`,
 * `config.toml`, `static-nodes.json`) and the node reads at boot. Its name is derived from the stage, account
 * and region, so the control-plane stack can name it (and scope IAM to it) without a cross-stack reference.
 */
import { Aws, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Prefix under which every node's files live. */
export const NODE_CONFIG_PREFIX = 'nodes/';

/** Globally unique: stage prefix, account and region (at most 62 characters for a 16-character stage). */
export function nodeConfigBucketName(scope: Construct, namePrefix: string): string {
  return `${namePrefix}-nodecfg-${Aws.ACCOUNT_ID}-${Stack.of(scope).region}`;
}

/**
 * What the fleet's buckets share: private, S3-managed encryption, TLS only, versioned, owner-enforced, access logged
 * under `logPrefix`.
 */
export function fleetBucketProps(accessLogsBucket: s3.IBucket, logPrefix: string): s3.BucketProps {
  return {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: accessLogsBucket,
    serverAccessLogsPrefix: logPrefix,
  };
}

export interface NodeConfigBucketProps {
  readonly namePrefix: string;
  readonly accessLogsBucket: s3.IBucket;
}

export class NodeConfigBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: NodeConfigBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: nodeConfigBucketName(this, props.namePrefix),
      // Versioned: earlier configurations stay readable when a node's files are rewritten.
      ...fleetBucketProps(props.accessLogsBucket, 'node-config/'),
    });
  }
}
