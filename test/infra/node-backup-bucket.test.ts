/**
 * The platform's bucket for archives of nodes' chain data, in the synthesised node fleet stack: encrypted, TLS only,
 * versioned, access logged, archives expired past the longest backup retention; and, judged by the offline IAM
 * policy evaluator (policy-simulation.ts), a node's instance may upload archives only under its own instance's
 * prefix, never read them back, never write another instance's prefix or the node configuration.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { NODE_BACKUP_EXPIRY_DAYS } from '../../infra/constructs/node-backup-bucket.ts';
import { buildTestApp } from './carechain-test-app.ts';
import { ACCOUNT, DeployedTemplate, decide, REGION } from './policy-simulation.ts';

const INSTANCE = `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0a1b2c3d4e5f60718`;
const OTHER_INSTANCE = `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0fedcba9876543210`;
const BUCKET = `arn:aws:s3:::carechain-dev-nodebkp-${ACCOUNT}-${REGION}`;

let template: Template;
let deployed: DeployedTemplate;

beforeAll(() => {
  template = buildTestApp().fleetTemplate;
  deployed = new DeployedTemplate(template);
}, 120_000);

function asInstance(action: string, resource: string, sourceInstance = INSTANCE) {
  const roleId = deployed.logicalId('AWS::IAM::Role', 'NodesNodeRole');
  return decide({
    principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleId}/i-0a1b2c3d4e5f60718`,
    action,
    resource,
    context: { 'ec2:SourceInstanceARN': sourceInstance },
    identityPolicies: deployed.identityPoliciesOf(roleId),
  });
}

describe('node backup bucket', () => {
  it('is encrypted, private, versioned, access logged and expires archives past the longest retention', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['carechain-dev-nodebkp-'])] }),
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'node-backups/' }),
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Id: 'ExpireArchives',
            Prefix: 'archives/',
            ExpirationInDays: NODE_BACKUP_EXPIRY_DAYS,
            NoncurrentVersionExpiration: { NoncurrentDays: 7 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          }),
        ],
      },
    });
  });

  it('refuses every request that does not use TLS', () => {
    const policies = Object.entries(template.findResources('AWS::S3::BucketPolicy'));
    const policy = policies.find(([id]) => id.startsWith('NodeBackups'))?.[1];
    expect(policy?.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('lets an instance upload archives under its own instance’s prefix only', async () => {
    const own = `${BUCKET}/archives/${INSTANCE}/bkp_1.tar.gz`;
    expect(await asInstance('s3:PutObject', own)).toBe('Allowed');
    expect(await asInstance('s3:PutObject', `${BUCKET}/archives/${OTHER_INSTANCE}/bkp_1.tar.gz`)).toBe(
      'ImplicitlyDenied',
    );
    expect(await asInstance('s3:PutObject', own, OTHER_INSTANCE)).toBe('ImplicitlyDenied');
    expect(await asInstance('s3:PutObject', `${BUCKET}/bkp_1.tar.gz`)).toBe('ImplicitlyDenied');
    expect(await asInstance('s3:GetObject', own)).toBe('ImplicitlyDenied');
    expect(await asInstance('s3:DeleteObject', own)).toBe('ImplicitlyDenied');
    expect(
      await asInstance('s3:PutObject', `arn:aws:s3:::carechain-dev-nodecfg-${ACCOUNT}-${REGION}/nodes/x/config.toml`),
    ).toBe('ImplicitlyDenied');
  });
});
