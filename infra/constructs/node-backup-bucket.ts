/**
 * The platform's bucket for archives of nodes' chain data (docs/architecture.md, "Fleet operations"): a node's
 * instance uploads the archive of its data directory (never its key) to `archives/<instance ARN>/<backupId>.tar.gz`
 * with its own role, which may write under its own instance's prefix only (`${ec2:SourceInstanceARN}`), and the
 * fleet-operations function copies it from there into each member's bucket. Encrypted, TLS only, versioned, access
 * logged like the node configuration bucket; a lifecycle rule removes archives past the longest retention a backup
 * policy allows (the backup runner removes them earlier, at their policy's retention).
 */
import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { fleetBucketProps } from './node-config-bucket.ts';

/** Prefix of the archives; each instance writes under `archives/<its ARN>/`. */
export const NODE_BACKUP_ARCHIVE_PREFIX = 'archives/';

/** The longest retention a backup policy may set (shared/schemas/fleet.schemas.ts), plus a margin. */
export const NODE_BACKUP_EXPIRY_DAYS = 372;

/** Globally unique: stage prefix, account and region, like the node configuration bucket. */
export function nodeBackupBucketName(scope: Construct, namePrefix: string): string {
  return `${namePrefix}-nodebkp-${Aws.ACCOUNT_ID}-${Stack.of(scope).region}`;
}

export interface NodeBackupBucketProps {
  readonly namePrefix: string;
  readonly accessLogsBucket: s3.IBucket;
}

export class NodeBackupBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly #name: string;

  constructor(scope: Construct, id: string, props: NodeBackupBucketProps) {
    super(scope, id);
    this.#name = nodeBackupBucketName(this, props.namePrefix);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: this.#name,
      // S3-managed keys: a member's bucket receives server-side copies without a grant on a platform KMS key.
      ...fleetBucketProps(props.accessLogsBucket, 'node-backups/'),
      lifecycleRules: [
        {
          id: 'ExpireArchives',
          prefix: NODE_BACKUP_ARCHIVE_PREFIX,
          expiration: Duration.days(NODE_BACKUP_EXPIRY_DAYS),
          noncurrentVersionExpiration: Duration.days(7),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
  }

  /** Lets a node's instance upload archives under its own instance's prefix, and nowhere else. */
  uploadOwnArchivesStatement(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'UploadOwnBackupArchives',
      actions: ['s3:PutObject'],
      // By name, not by the bucket's attribute, so the statement reads as the ARN IAM evaluates.
      resources: [`arn:${Aws.PARTITION}:s3:::${this.#name}/${NODE_BACKUP_ARCHIVE_PREFIX}\${ec2:SourceInstanceARN}/*`],
    });
  }
}

/** Where copies go in a member's bucket: the prefix its bucket policy grants the fleet-operations role. */
export const MEMBER_COPY_PREFIX = 'carechain/';

/**
 * What the fleet-operations function needs to copy archives into members' buckets: read the archives, and put
 * objects under `carechain/` of a bucket in another account, only with `bucket-owner-full-control` (the member owns
 * the copy), and list the backup bucket so a missing archive is a 404. A member's bucket policy must grant the
 * same puts (README, "Member copies of backups").
 */
export function memberBackupCopyStatements(backupBucketName: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ReadBackupArchives',
      actions: ['s3:GetObject'],
      resources: [`arn:${Aws.PARTITION}:s3:::${backupBucketName}/${NODE_BACKUP_ARCHIVE_PREFIX}*`],
    }),
    new iam.PolicyStatement({
      sid: 'CopyBackupsToMemberBuckets',
      actions: ['s3:PutObject', 's3:PutObjectAcl'],
      resources: [`arn:${Aws.PARTITION}:s3:::*/${MEMBER_COPY_PREFIX}*`],
      conditions: {
        StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' },
        StringNotEquals: { 's3:ResourceAccount': Aws.ACCOUNT_ID },
      },
    }),
    // The backup waits for the instance's archive with HeadObject; without ListBucket, S3 answers an archive not
    // uploaded yet with 403 instead of 404, and the wait would fail the backup at its first look.
    new iam.PolicyStatement({
      sid: 'SeeWhetherArchivesExist',
      actions: ['s3:ListBucket'],
      resources: [`arn:${Aws.PARTITION}:s3:::${backupBucketName}`],
    }),
  ];
}
