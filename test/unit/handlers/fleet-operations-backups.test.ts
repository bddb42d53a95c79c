/**
 * The fleet-operations Lambda takes a requested backup of an EC2 node over several of its one-minute passes and
 * copies it to a member's bucket, built from its own environment like in AWS: the table is real (dynalite), EC2 and
 * S3 answer through aws-sdk-client-mock as they do for a real instance (stopping, then stopped; the archive 404, then
 * there). Each pass makes at most one DescribeInstances and one HeadObject and keeps the backup's phase on its record:
 * the backup request is written and the instance stopped, its data volume snapshotted once stopped and the instance
 * started, the archive the instance uploaded found and copied under `carechain/` of the member's bucket with
 * bucket-owner-full-control. A refused copy is recorded with its reason and `backup.failed` goes out in the copy
 * record's outbox, while the backup stays completed. An instance not stopped by the stop deadline is started again
 * and the backup fails (`backup.failed` in the backup record's outbox); no archive by the archive deadline leaves the
 * snapshot alone, the member's copy recorded as failed; a pass that failed after the snapshot is resumed by the next
 * without a second snapshot; copies a pass left unmade after completing a backup are made by the next pass, once.
 */
import { CreateSnapshotCommand, DescribeInstancesCommand, EC2Client, StartInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CopyObjectCommand,
  HeadObjectCommand,
  NotFound,
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
import { backupInstance, throttled } from '../providers/ec2-backup-instance.ts';
import { aBackup, aNetwork, aNode } from '../providers/node-fixtures.ts';
import { lambdaEnv, OFFLINE_CREDENTIALS, REGION, startTable, TABLE_NAME } from './handler-fixtures.ts';

const ec2Client = new EC2Client({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const s3Client = new S3Client({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const ec2 = mockClient(ec2Client);
const s3 = mockClient(s3Client);
const CONFIG_BUCKET = 'carechain-test-nodecfg-123456789012-eu-north-1';
const BACKUP_BUCKET = 'carechain-test-nodebkp-123456789012-eu-north-1';
const MEMBER_BUCKET = 'region-skane-chain-backups';
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
  const backup = await stores.backups.createBackup(aBackup(node));
  const { startedAt } = backup;
  await stores.backups.requestCopies({
    orgId: node.orgId,
    networkId: network.id,
    bucket: MEMBER_BUCKET,
    requestedAt: startedAt,
    requestedBy: 'usr_member_admin',
  });
  const instance = backupInstance(ec2, instanceId, node.id);
  s3.on(PutObjectCommand).resolves({ ETag: '"9b2cf535f27731c974343645a3985328"', ServerSideEncryption: 'AES256' });
  s3.on(HeadObjectCommand)
    .rejectsOnce(new NotFound({ $metadata: { httpStatusCode: 404 }, message: 'NotFound' }))
    .resolves({ ContentLength: 73_400_320, ContentType: 'application/x-tar', ETag: '"a1"' });
  const archiveKey = `archives/arn:aws:ec2:${REGION}:123456789012:instance/${instanceId}/${backup.id}.tar.gz`;
  return { table, stores, network, node, backup, archiveKey, instance, fleet: fleetPasses(Date.parse(startedAt)) };
}

/** The function's passes, each at the minute its schedule runs it; a pass makes at most one look of each kind. */
function fleetPasses(start: number) {
  let now = start;
  const run = createFleetOperationsHandler({
    env: lambdaEnv({ CARECHAIN_NODE_CONFIG_BUCKET: CONFIG_BUCKET, CARECHAIN_NODE_BACKUP_BUCKET: BACKUP_BUCKET }),
    clients: { dynamodb: dynamo.client, ec2: ec2Client, s3: s3Client },
    clock: () => new Date(now),
  });
  return {
    /** The pass `seconds` after the backup was asked for. */
    async at(seconds: number) {
      now = start + seconds * 1000;
      const describes = ec2.commandCalls(DescribeInstancesCommand).length;
      const heads = s3.commandCalls(HeadObjectCommand).length;
      const report = await run();
      expect(ec2.commandCalls(DescribeInstancesCommand).length - describes).toBeLessThanOrEqual(1);
      expect(s3.commandCalls(HeadObjectCommand).length - heads).toBeLessThanOrEqual(1);
      return report;
    },
  };
}

describe('fleet-operations Lambda: backups of EC2 nodes and members’ copies', () => {
  it('takes the backup with its archive and copies the archive under carechain/ of the member’s bucket', async () => {
    const { stores, network, node, backup, archiveKey, instance, fleet } = await requested();
    s3.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"a1"', LastModified: new Date() } });
    const phase = async () => (await stores.backups.get(network.id, backup.id))?.progress?.phase;

    await fleet.at(0);
    expect(instance.state).toBe('stopping');
    expect(await phase()).toBe('stopping');
    await fleet.at(60);
    expect(await phase()).toBe('stopping');
    expect(ec2.commandCalls(CreateSnapshotCommand)).toHaveLength(0);
    instance.state = 'stopped';
    await fleet.at(120);
    expect(instance.state).toBe('pending');
    const archiving = await stores.backups.get(network.id, backup.id);
    expect(archiving).toMatchObject({ state: 'running', progress: { phase: 'archiving' } });
    await fleet.at(180);
    expect(await phase()).toBe('archiving');
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
    await fleet.at(240);

    const request = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect([request?.Bucket, request?.Key]).toEqual([CONFIG_BUCKET, `nodes/${node.id}/backup-request.env`]);
    const taken = await stores.backups.get(network.id, backup.id);
    expect(taken?.progress).toBeUndefined();
    expect(taken?.copiesPending).toBeUndefined();
    expect(instance.snapshots).toHaveLength(1);
    expect(taken).toMatchObject({
      state: 'completed',
      artifact: { kind: 'ebs-snapshot', ref: instance.snapshots[0]?.SnapshotId },
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

  it('makes the members’ copies a pass left unmade after completing the backup, and only once', async () => {
    const { stores, network, node, backup, archiveKey, fleet } = await requested();
    s3.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"a1"', LastModified: new Date() } });
    // What a pass stopped between its two writes leaves: the backup completed, its copies not made yet.
    const running = await stores.backups.get(network.id, backup.id);
    if (!running) throw new Error('the backup was not created');
    await stores.backups.updateBackup(running, {
      ...running,
      state: 'completed',
      finishedAt: running.startedAt,
      artifact: { kind: 'ebs-snapshot', ref: 'snap-0a1b2c3d4e5f60718' },
      archive: { kind: 'archive', ref: `s3://${BACKUP_BUCKET}/${archiveKey}`, sizeBytes: 73_400_320 },
      copiesPending: true,
    });

    await fleet.at(60);
    expect(s3.commandCalls(CopyObjectCommand).map((call) => call.args[0].input.Key)).toEqual([
      `carechain/${network.id}/${backup.id}.tar.gz`,
    ]);
    expect(await stores.backups.copiesOf(network.id, backup.id)).toEqual([
      expect.objectContaining({ orgId: node.orgId, location: expect.stringContaining(MEMBER_BUCKET) }),
    ]);
    expect((await stores.backups.get(network.id, backup.id))?.copiesPending).toBeUndefined();
    await fleet.at(120);
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(1);
  });

  it('records a refused copy with its reason and puts backup.failed in the copy record’s outbox; the backup stands', async () => {
    const { table, stores, network, node, backup, instance, fleet } = await requested();
    s3.on(CopyObjectCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'Access Denied',
      }),
    );
    await fleet.at(0);
    instance.state = 'stopped';
    await fleet.at(60);
    await fleet.at(120);
    await fleet.at(180);

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

  it('fails a backup whose instance did not stop by the stop deadline, starts it again and raises backup.failed', async () => {
    const { table, stores, network, backup, instance, fleet } = await requested();
    await fleet.at(0);
    await fleet.at(240);
    expect((await stores.backups.get(network.id, backup.id))?.state).toBe('running');
    instance.state = 'stopped';
    await fleet.at(301);

    expect(instance.state).toBe('pending');
    expect(ec2.commandCalls(CreateSnapshotCommand)).toHaveLength(0);
    const failed = await stores.backups.get(network.id, backup.id);
    expect(failed).toMatchObject({
      state: 'failed',
      error: 'the instance did not stop within 300 s (it was stopping); it was started again',
    });
    expect(failed?.progress).toBeUndefined();
    const item = await table.get<{ pk: string; sk: string; [OUTBOX_ATTRIBUTE]?: unknown }>({
      pk: `NET#${network.id}`,
      sk: `BACKUP#${backup.startedAt}#${backup.id}`,
    });
    const events = JSON.stringify(item?.[OUTBOX_ATTRIBUTE]);
    expect(events).toContain('backup.failed');
    expect(events).toContain('did not stop within 300 s');
  });

  it('completes with the snapshot alone when no archive arrives by the archive deadline; the member’s copy is recorded failed', async () => {
    const { stores, network, node, backup, instance, fleet } = await requested();
    s3.on(HeadObjectCommand).rejects(new NotFound({ $metadata: { httpStatusCode: 404 }, message: 'NotFound' }));
    await fleet.at(0);
    instance.state = 'stopped';
    await fleet.at(60);
    await fleet.at(600);
    expect((await stores.backups.get(network.id, backup.id))?.progress?.phase).toBe('archiving');
    await fleet.at(661);

    const taken = await stores.backups.get(network.id, backup.id);
    expect(taken).toMatchObject({
      state: 'completed',
      artifact: { kind: 'ebs-snapshot', ref: instance.snapshots[0]?.SnapshotId },
    });
    expect(taken?.archive).toBeUndefined();
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
    const [copy] = await stores.backups.copiesOf(network.id, backup.id);
    expect(copy).toMatchObject({ orgId: node.orgId, bucket: MEMBER_BUCKET });
    expect(copy?.error).toMatch(/ebs-snapshot backup cannot be copied to a bucket/);
  });

  it('resumes a pass that failed after CreateSnapshot without making a second snapshot', async () => {
    const { stores, network, backup, instance, fleet } = await requested();
    s3.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"a1"', LastModified: new Date() } });
    instance.startFailures.push(throttled());
    await fleet.at(0);
    instance.state = 'stopped';
    await fleet.at(60);
    expect(instance.snapshots).toHaveLength(1);
    expect(await stores.backups.get(network.id, backup.id)).toMatchObject({
      state: 'running',
      progress: { phase: 'stopping' },
    });
    await fleet.at(120);
    expect(instance.state).toBe('pending');
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(2);
    await fleet.at(180);
    await fleet.at(240);

    expect(ec2.commandCalls(CreateSnapshotCommand)).toHaveLength(1);
    expect(await stores.backups.get(network.id, backup.id)).toMatchObject({
      state: 'completed',
      artifact: { kind: 'ebs-snapshot', ref: instance.snapshots[0]?.SnapshotId },
      archive: { kind: 'archive' },
    });
  });
});
