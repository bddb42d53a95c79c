/**
 * Fleet operations in AWS, judged by an offline IAM policy evaluator on the synthesised template
 * (policy-simulation.ts): who may reboot a node's instance, who may write a node's Besu release, and how an
 * operator's restart gets from the API to an instance. The API has no EC2 or node-configuration rights at all: it
 * queues the restart on the provisioning queue (a send it already had), and the reconciler, the fleet-control
 * function consuming that queue, reboots only instances tagged as nodes of its stage. The fleet-operations
 * function writes a node's release only under `nodes/` of the node configuration bucket.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../infra/constructs/function-catalog.ts';
import { buildTestApp } from './carechain-test-app.ts';
import { ACCOUNT, DeployedTemplate, decide, REGION } from './policy-simulation.ts';

const INSTANCE = `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0a1b2c3d4e5f60718`;
const NODE_TAGS = {
  'aws:ResourceTag/carechain:node': 'node_bbbbbbbbbbbbbbbbbbbb',
  'aws:ResourceTag/carechain:stage': 'dev',
};
const CONFIG_BUCKET = `arn:aws:s3:::carechain-dev-nodecfg-${ACCOUNT}-${REGION}`;

let deployed: DeployedTemplate;
let queueArn: string;

beforeAll(() => {
  deployed = new DeployedTemplate(buildTestApp().controlPlaneTemplate);
  queueArn = deployed.arnOf(deployed.logicalId('AWS::SQS::Queue', 'ProvisioningQueue'));
}, 120_000);

function as(rolePrefix: string, action: string, resource: string, context: Record<string, string> = {}) {
  const roleId = deployed.logicalId('AWS::IAM::Role', rolePrefix);
  return decide({
    principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleId}/carechain-function`,
    action,
    resource,
    context,
    identityPolicies: deployed.identityPoliciesOf(roleId),
  });
}

describe('an operator’s restart of EC2 validators', () => {
  it('cannot be carried out by the API: it may reboot no instance, not even a node of its stage', async () => {
    expect(await as('ApiRole', 'ec2:RebootInstances', INSTANCE, NODE_TAGS)).toBe('ImplicitlyDenied');
    expect(await as('ApiRole', 'ec2:StopInstances', INSTANCE, NODE_TAGS)).toBe('ImplicitlyDenied');
  });

  it('is queued by the API on the provisioning queue, which the reconciler consumes', async () => {
    expect(await as('ApiRole', 'sqs:SendMessage', queueArn)).toBe('Allowed');
    expect(await as('ReconcilerRole', 'sqs:ReceiveMessage', queueArn)).toBe('Allowed');
    expect(FUNCTIONS.find((spec) => spec.name === 'reconciler')).toMatchObject({ consumesProvisioningQueue: true });
  });

  it('is carried out by the reconciler on node instances of its stage only', async () => {
    expect(await as('ReconcilerRole', 'ec2:RebootInstances', INSTANCE, NODE_TAGS)).toBe('Allowed');
    expect(
      await as('ReconcilerRole', 'ec2:RebootInstances', INSTANCE, { 'aws:ResourceTag/carechain:stage': 'dev' }),
    ).toBe('ImplicitlyDenied');
    expect(
      await as('ReconcilerRole', 'ec2:RebootInstances', INSTANCE, {
        ...NODE_TAGS,
        'aws:ResourceTag/carechain:stage': 'prod',
      }),
    ).toBe('ImplicitlyDenied');
  });
});

describe('a rolling upgrade on EC2', () => {
  it('writes the node’s release under nodes/ of the configuration bucket and reboots its instance', async () => {
    const release = `${CONFIG_BUCKET}/nodes/node_bbbbbbbbbbbbbbbbbbbb/besu-release.env`;
    expect(await as('FleetOperationsRole', 's3:PutObject', release)).toBe('Allowed');
    expect(await as('FleetOperationsRole', 'ec2:RebootInstances', INSTANCE, NODE_TAGS)).toBe('Allowed');
    expect(await as('FleetOperationsRole', 'ec2:StartInstances', INSTANCE, NODE_TAGS)).toBe('Allowed');
  });

  it('may write nothing else of the bucket, and the API may write none of it', async () => {
    expect(await as('FleetOperationsRole', 's3:PutObject', `${CONFIG_BUCKET}/bootstrap/besu.sh`)).toBe(
      'ImplicitlyDenied',
    );
    expect(
      await as('ApiRole', 's3:PutObject', `${CONFIG_BUCKET}/nodes/node_bbbbbbbbbbbbbbbbbbbb/besu-release.env`),
    ).toBe('ImplicitlyDenied');
  });
});

describe('member copies of backup archives', () => {
  const BACKUPS = `arn:aws:s3:::carechain-dev-nodebkp-${ACCOUNT}-${REGION}`;
  const ARCHIVE = `${BACKUPS}/archives/${INSTANCE}/bkp_1.tar.gz`;
  const MEMBER_COPY = 'arn:aws:s3:::karolinska-carechain-backups/carechain/net_a/bkp_1.tar.gz';
  const owned = { 's3:x-amz-acl': 'bucket-owner-full-control', 's3:ResourceAccount': '210987654321' };

  it('are made by fleet operations: it reads the archives and puts copies the member owns', async () => {
    expect(await as('FleetOperationsRole', 's3:GetObject', ARCHIVE)).toBe('Allowed');
    expect(await as('FleetOperationsRole', 's3:PutObject', MEMBER_COPY, owned)).toBe('Allowed');
    expect(await as('FleetOperationsRole', 's3:PutObjectAcl', MEMBER_COPY, owned)).toBe('Allowed');
  });

  it('may learn that an archive is not uploaded yet: S3 answers its HeadObject 404, not 403', async () => {
    expect(await as('FleetOperationsRole', 's3:ListBucket', BACKUPS)).toBe('Allowed');
    expect(await as('ApiRole', 's3:ListBucket', BACKUPS)).toBe('ImplicitlyDenied');
  });

  it('go nowhere else: not without bucket-owner-full-control, not outside carechain/, not the platform’s own buckets', async () => {
    const { 's3:ResourceAccount': account } = owned;
    expect(await as('FleetOperationsRole', 's3:PutObject', MEMBER_COPY, { 's3:ResourceAccount': account })).toBe(
      'ImplicitlyDenied',
    );
    expect(
      await as('FleetOperationsRole', 's3:PutObject', 'arn:aws:s3:::karolinska-carechain-backups/other/x', owned),
    ).toBe('ImplicitlyDenied');
    expect(
      await as('FleetOperationsRole', 's3:PutObject', `${BACKUPS}/carechain/x`, {
        ...owned,
        's3:ResourceAccount': ACCOUNT,
      }),
    ).toBe('ImplicitlyDenied');
    expect(await as('FleetOperationsRole', 's3:DeleteObject', ARCHIVE)).toBe('ImplicitlyDenied');
    expect(await as('ApiRole', 's3:GetObject', ARCHIVE)).toBe('ImplicitlyDenied');
    expect(await as('ApiRole', 's3:PutObject', MEMBER_COPY, owned)).toBe('ImplicitlyDenied');
  });
});
