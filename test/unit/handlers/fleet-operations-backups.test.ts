/**
 * The fleet-operations Lambda takes a requested backup of an EC2 node and copies it to a member's bucket, built from
 * its own environment like in AWS: the table is real (dynalite), EC2 and S3 answer through aws-sdk-client-mock. The
 * backup writes the node's backup request, snapshots the stopped instance's data volume, finds the archive the
 * instance uploaded and copies that archive under `carechain/` of the member's bucket with bucket-owner-full-control;
 * a refused copy is recorded with its reason and `backup.failed` goes out in the copy record's outbox, while the
 * backup stays completed.
 */
import {
  CreateSnapshotCommand,
  DescribeInstancesCommand,
  EC2Client,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CopyObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFleetOperationsHandler } from '../../../functions/handlers/fleet-operations.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { OUTBOX_ATTRIBUTE, Table } from '../../../shared/store/table.ts';
import { aNetwork, aNode } from '../providers/node-fixtures.ts';
import { lambdaEnv, OFFLINE_CREDENTIALS, REGION, startTable, TABLE_NAME } from './handler-fixtures.ts';

const ec2Client = new EC2Client({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const s3Client = new S3Client({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const ec2 = mockClient(ec2Client);
const s3 = mockClient(s3Client);
const CONFIG_BUCKET = 'carechain-test-nodecfg-123456789012-eu-north-1';
const BACKUP_BUCKET = 'carechain-test-nodebkp-123456789012-eu-north-1';
const MEMBER_BUCKET = 'region-skane-chain-backups';
const SNAPSHOT = 'snap-0fedcba9876543210';
let dynamo: EmbeddedDynamo;

beforeAll(async () => {
  dynamo = await startTable();
});
afterAll(async () => {
  await dynamo.close();
});
afterEach(() => {
  ec2.reset();
  s3.reset();
});

/** A network with one member's running EC2 node, an operator's requested backup and the member's copy request. */
async function requested() {
  const table = new Table(dynamo.client, TABLE_NAME);
  const stores = createStores(table);
  const network = await stores.networks.create(aNetwork({ name: `backup-${newId('network').slice(-8)}` }));
  const instanceId = `i-0${newId('node')
    .slice(-16)
    .replace(/[^0-9a-f]/g, 'a')}`;
  const node = await stores.nodes.create(aNode(network, { runtime: 'ec2', state: 'running', providerRef: instanceId }));
  const startedAt = new Date().toISOString();
  const backup = await stores.backups.createBackup({
    id: newId('backup'),
    networkId: network.id,
    sourceNodeId: node.id,
    sourceOrgId: node.orgId,
    state: 'requested',
    startedAt,
    expiresAt: new Date(Date.now() + 14 * 86_400_000).toISOString(),
    trigger: 'operator',
  });
  await stores.backups.requestCopies({
    orgId: node.orgId,
    networkId: network.id,
    bucket: MEMBER_BUCKET,
    requestedAt: startedAt,
    requestedBy: 'usr_member_admin',
  });
  const instance = (state: 'running' | 'stopped') => ({
    Reservations: [
      {
        ReservationId: 'r-0123456789abcdef0',
        OwnerId: '123456789012',
        Instances: [
          {
            InstanceId: instanceId,
            State:
              state === 'running' ? { Code: 16, Name: 'running' as const } : { Code: 80, Name: 'stopped' as const },
            BlockDeviceMappings: [
              { DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-0aaaaaaaaaaaaaaa1', Status: 'attached' as const } },
              { DeviceName: '/dev/sdf', Ebs: { VolumeId: 'vol-0123456789abcdef0', Status: 'attached' as const } },
            ],
          },
        ],
      },
    ],
  });
  ec2.on(DescribeInstancesCommand).resolvesOnce(instance('running')).resolves(instance('stopped'));
  ec2.on(StopInstancesCommand).resolves({
    StoppingInstances: [{ InstanceId: instanceId, CurrentState: { Code: 64, Name: 'stopping' } }],
  });
  ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: SNAPSHOT, VolumeId: 'vol-0123456789abcdef0', State: 'pending' });
  ec2.on(StartInstancesCommand).resolves({
    StartingInstances: [{ InstanceId: instanceId, CurrentState: { Code: 0, Name: 'pending' } }],
  });
  s3.on(PutObjectCommand).resolves({ ETag: '"9b2cf535f27731c974343645a3985328"', ServerSideEncryption: 'AES256' });
  s3.on(HeadObjectCommand).resolves({ ContentLength: 73_400_320, ContentType: 'application/x-tar', ETag: '"a1"' });
  const archiveKey = `archives/arn:aws:ec2:${REGION}:123456789012:instance/${instanceId}/${backup.id}.tar.gz`;
  return { table, stores, network, node, backup, archiveKey };
}

const handler = () =>
  createFleetOperationsHandler({
    env: lambdaEnv({ CARECHAIN_NODE_CONFIG_BUCKET: CONFIG_BUCKET, CARECHAIN_NODE_BACKUP_BUCKET: BACKUP_BUCKET }),
    clients: { dynamodb: dynamo.client, ec2: ec2Client, s3: s3Client },
  });

describe('fleet-operations Lambda: backups of EC2 nodes and members’ copies', () => {
  it('takes the backup with its archive and copies the archive under carechain/ of the member’s bucket', async () => {
    const { stores, network, node, backup, archiveKey } = await requested();
    s3.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"a1"', LastModified: new Date() } });
    await handler()();

    const request = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect([request?.Bucket, request?.Key]).toEqual([CONFIG_BUCKET, `nodes/${node.id}/backup-request.env`]);
    const taken = await stores.backups.get(network.id, backup.id);
    expect(taken).toMatchObject({
      state: 'completed',
      artifact: { kind: 'ebs-snapshot', ref: SNAPSHOT },
      archive: { kind: 'archive', ref: `s3://${BACKUP_BUCKET}/${archiveKey}`, sizeBytes: 73_400_320 },
    });
    const copy = s3.commandCalls(CopyObjectCommand)[0]?.args[0].input;
    expect(copy).toEqual({
      Bucket: MEMBER_BUCKET,
      Key: `carechain/${network.id}/${backup.id}.tar.gz`,
      CopySource: `${BACKUP_BUCKET}/${archiveKey.split('/').map(encodeURIComponent).join('/')}`,
      ACL: 'bucket-owner-full-control',
    });
    const copies = await stores.backups.copiesOf(network.id, backup.id);
    expect(copies).toEqual([
      expect.objectContaining({
        orgId: node.orgId,
        bucket: MEMBER_BUCKET,
        location: `s3://${MEMBER_BUCKET}/carechain/${network.id}/${backup.id}.tar.gz`,
      }),
    ]);
  });

  it('records a refused copy with its reason and puts backup.failed in the copy record’s outbox; the backup stands', async () => {
    const { table, stores, network, node, backup } = await requested();
    s3.on(CopyObjectCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'Access Denied',
      }),
    );
    await handler()();

    expect((await stores.backups.get(network.id, backup.id))?.state).toBe('completed');
    const [copy] = await stores.backups.copiesOf(network.id, backup.id);
    expect(copy?.location).toBeUndefined();
    expect(copy?.error).toContain('does not let the platform’s fleet-operations role put objects there');
    const item = await table.get<{ pk: string; sk: string; [OUTBOX_ATTRIBUTE]?: unknown }>({
      pk: `NET#${network.id}`,
      sk: `BACKUPCOPIED#${backup.id}#${node.orgId}`,
    });
    const events = item?.[OUTBOX_ATTRIBUTE] as { type?: string; payload?: Record<string, unknown> }[] | undefined;
    expect(JSON.stringify(events)).toContain('backup.failed');
    expect(JSON.stringify(events)).toContain(node.orgId);
    expect(JSON.stringify(events)).not.toContain(MEMBER_BUCKET);
  });
});
