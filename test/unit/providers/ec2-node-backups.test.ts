/**
 * EC2 backups against aws-sdk-client-mock with realistic EC2 and S3 answers, step by step as the runner's passes
 * call them: the first step asks the instance to stop and returns `stopping`; a later step, once EC2 reports the
 * instance stopped, snapshots its chain-data volume (/dev/sdf) with the node's, network's and backup's tags and
 * starts it again; the archive is looked for once per step until it is there or the archive deadline passes. No step
 * waits: each makes at most one DescribeInstances or HeadObject. A step repeated after a crash makes no second
 * snapshot; an instance not stopped by the stop deadline is started again and the backup fails. A backup's snapshot
 * is deleted (a missing one counts as deleted); a node restored from a backup launches with the snapshot as its
 * chain-data volume.
 */
import {
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { HeadObjectCommand, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Ec2NodeBackups } from '../../../shared/adapters/aws/ec2-node-backups.ts';
import { Ec2NodeProvider } from '../../../shared/adapters/aws/ec2-node-provider.ts';
import type { BackupProgress } from '../../../shared/domain/backup.ts';
import type { BackupStep } from '../../../shared/ports/node-provider.ts';
import { backupInstance, DATA_VOLUME, throttled } from './ec2-backup-instance.ts';
import { aNetwork, aNode, ec2Refusal } from './node-fixtures.ts';

const ec2 = mockClient(EC2Client);
const client = new EC2Client({ region: 'eu-north-1' });
const INSTANCE = 'i-0a1b2c3d4e5f60718';
const SNAPSHOT = 'snap-0fedcba9876543210';
const BACKUP = 'bak_dddddddddddddddddddd';
const network = aNetwork({ id: 'net_aaaaaaaaaaaaaaaaaaaa' });
const node = aNode(network, {
  id: 'node_bbbbbbbbbbbbbbbbbbbb',
  orgId: 'org_cccccccccccccccccccc',
  runtime: 'ec2',
  providerRef: INSTANCE,
  state: 'running',
});

const s3 = mockClient(S3Client);
const CONFIG_BUCKET = 'carechain-prod-nodecfg-123456789012-eu-north-1';
const BACKUP_BUCKET = 'carechain-prod-nodebkp-123456789012-eu-north-1';
const ARCHIVE_KEY = `archives/arn:aws:ec2:eu-north-1:123456789012:instance/${INSTANCE}/${BACKUP}.tar.gz`;
const notFound = () => new NotFound({ $metadata: { httpStatusCode: 404 }, message: 'NotFound' });
const T0 = Date.parse('2026-03-02T03:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

let instance: ReturnType<typeof backupInstance>;
beforeEach(() => {
  ec2.reset();
  s3.reset();
  instance = backupInstance(ec2, INSTANCE, node.id);
});

/** Runs one step and says how many looks it took: never more than one DescribeInstances or HeadObject. */
async function step(backups: Ec2NodeBackups, progress: BackupProgress | undefined, now: Date): Promise<BackupStep> {
  const describes = ec2.commandCalls(DescribeInstancesCommand).length;
  const heads = s3.commandCalls(HeadObjectCommand).length;
  const result = await backups.backup(node, { backupId: BACKUP, now, ...(progress && { progress }) });
  expect(ec2.commandCalls(DescribeInstancesCommand).length - describes).toBeLessThanOrEqual(1);
  expect(s3.commandCalls(HeadObjectCommand).length - heads).toBeLessThanOrEqual(1);
  return result;
}
const progressOf = (result: BackupStep) => (result.state === 'running' ? result.progress : undefined);

describe('EC2 node backups, one short step per pass', () => {
  it('asks the instance to stop, snapshots its chain-data volume once EC2 reports it stopped, tags it, and starts it', async () => {
    const backups = new Ec2NodeBackups({ client, stage: 'prod' });
    const first = await step(backups, undefined, at(0));
    expect(first).toEqual({
      state: 'running',
      progress: { phase: 'stopping', since: at(0).toISOString(), deadline: at(300).toISOString() },
    });
    expect(instance.state).toBe('stopping');
    // Still stopping a minute later: nothing is done, the progress stands.
    expect(await step(backups, progressOf(first), at(60))).toEqual(first);
    expect(ec2.commandCalls(CreateSnapshotCommand)).toHaveLength(0);
    instance.state = 'stopped';
    const done = await step(backups, progressOf(first), at(120));
    expect(done).toEqual({
      state: 'completed',
      backup: { kind: 'ebs-snapshot', ref: instance.snapshots[0]?.SnapshotId },
    });
    expect(instance.state).toBe('pending');
    const snapshot = ec2.commandCalls(CreateSnapshotCommand)[0]?.args[0].input;
    expect(snapshot?.VolumeId).toBe(DATA_VOLUME);
    expect(snapshot?.TagSpecifications?.[0]?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'carechain:node', Value: node.id },
        { Key: 'carechain:network', Value: network.id },
        { Key: 'carechain:backup', Value: BACKUP },
        { Key: 'carechain:stage', Value: 'prod' },
      ]),
    );
  });

  it('never stops or snapshots an instance tagged for another node (a stale or wrong record)', async () => {
    const backups = new Ec2NodeBackups({ client, stage: 'prod' });
    const other = { ...node, id: 'node_ffffffffffffffffffff' };
    await expect(step(backups, undefined, at(0))).resolves.toMatchObject({ state: 'running' });
    ec2.resetHistory();
    await expect(backups.backup(other, { backupId: BACKUP, now: at(0) })).rejects.toThrow(
      `EC2 instance ${INSTANCE} is not node node_ffffffffffffffffffff's (tagged ${node.id})`,
    );
    const stopping = { phase: 'stopping' as const, since: at(0).toISOString(), deadline: at(300).toISOString() };
    instance.state = 'stopped';
    await expect(backups.backup(other, { backupId: BACKUP, now: at(60), progress: stopping })).rejects.toThrow(
      /is not node node_ffffffffffffffffffff's/,
    );
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0);
    expect(ec2.commandCalls(CreateSnapshotCommand)).toHaveLength(0);
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(0);
  });

  it('starts the instance again and fails the backup when the snapshot fails', async () => {
    ec2
      .on(CreateSnapshotCommand)
      .rejects(
        ec2Refusal(
          'SnapshotCreationPerVolumeRateExceeded',
          'The maximum per volume CreateSnapshot request rate has been exceeded.',
        ),
      );
    const backups = new Ec2NodeBackups({ client });
    const first = await step(backups, undefined, at(0));
    instance.state = 'stopped';
    const failed = await step(backups, progressOf(first), at(60));
    expect(failed).toEqual({ state: 'failed', reason: expect.stringMatching(/rate has been exceeded/) });
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(1);
    expect(instance.state).toBe('pending');
  });

  it('fails the backup and starts the instance again when it has not stopped by the stop deadline', async () => {
    const backups = new Ec2NodeBackups({ client });
    const first = await step(backups, undefined, at(0));
    expect(await step(backups, progressOf(first), at(299))).toEqual(first);
    // EC2 finished stopping it only after the deadline: it is started again, and no snapshot is made.
    instance.state = 'stopped';
    const late = await step(backups, progressOf(first), at(301));
    expect(late).toEqual({
      state: 'failed',
      reason: 'the instance did not stop within 300 s (it was stopping); it was started again',
    });
    expect(instance.state).toBe('pending');
    expect(ec2.commandCalls(CreateSnapshotCommand)).toHaveLength(0);
  });

  it('fails the backup with EC2’s refusal when the instance is still stopping at the deadline', async () => {
    const backups = new Ec2NodeBackups({ client });
    const first = await step(backups, undefined, at(0));
    const late = await step(backups, progressOf(first), at(301));
    expect(late).toEqual({
      state: 'failed',
      reason: expect.stringMatching(
        /^the instance did not stop within 300 s \(it was stopping\); EC2 refused to start it again \(.*not in a state from which it can be started.*\); the reconciler starts it once stopped$/,
      ),
    });
  });

  it('resumes a step that failed after CreateSnapshot without making a second snapshot', async () => {
    instance.startFailures.push(throttled());
    const backups = new Ec2NodeBackups({ client });
    const first = await step(backups, undefined, at(0));
    instance.state = 'stopped';
    await expect(step(backups, progressOf(first), at(60))).rejects.toThrow(/Request limit exceeded/);
    expect(instance.snapshots).toHaveLength(1);
    const resumed = await step(backups, progressOf(first), at(120));
    expect(resumed).toEqual({
      state: 'completed',
      backup: { kind: 'ebs-snapshot', ref: instance.snapshots[0]?.SnapshotId },
    });
    expect(ec2.commandCalls(CreateSnapshotCommand)).toHaveLength(1);
    expect(instance.state).toBe('pending');
  });

  it('deletes a backup’s snapshot, a missing one counting as deleted', async () => {
    ec2
      .on(DeleteSnapshotCommand)
      .resolvesOnce({})
      .rejects(
        new EC2ServiceException({
          name: 'InvalidSnapshot.NotFound',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: `The snapshot '${SNAPSHOT}' does not exist.`,
        }),
      );
    const backups = new Ec2NodeBackups({ client });
    await backups.deleteBackup({ kind: 'ebs-snapshot', ref: SNAPSHOT });
    await backups.deleteBackup({ kind: 'ebs-snapshot', ref: SNAPSHOT });
    await expect(backups.deleteBackup({ kind: 'archive', ref: '/etc/passwd' })).rejects.toThrow(/EBS snapshot/);
  });

  it('launches a restored node with the backup’s snapshot as its chain-data volume', async () => {
    ec2.reset();
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2
      .on(RunInstancesCommand)
      .resolves({ Instances: [{ InstanceId: 'i-0fedcba98765432a1' }], OwnerId: '123456789012' });
    const provider = new Ec2NodeProvider({
      client,
      launchTemplate: { id: 'lt-0123456789abcdef0', version: '$Default' },
      renderArtifacts: () => ({ genesisJson: '{"config":{"chainId":1}}', besuConfigToml: 'data-path="/var/lib/besu"' }),
    });
    const restored = aNode(network, { id: 'node_eeeeeeeeeeeeeeeeeeee', runtime: 'ec2', state: 'provisioning' });
    await provider.provision({
      node: restored,
      network,
      clientToken: restored.id,
      restoreFrom: { kind: 'ebs-snapshot', ref: SNAPSHOT },
    });
    expect(ec2.commandCalls(RunInstancesCommand)[0]?.args[0].input.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/sdf', Ebs: { SnapshotId: SNAPSHOT } },
    ]);
  });

  describe('with the archive of the data directory', () => {
    const archiving = () =>
      new Ec2NodeBackups({
        client,
        stage: 'prod',
        archives: {
          s3: new S3Client({ region: 'eu-north-1' }),
          configBucket: CONFIG_BUCKET,
          backupBucket: BACKUP_BUCKET,
        },
      });
    beforeEach(() => {
      s3.on(PutObjectCommand).resolves({ ETag: '"9b2cf535f27731c974343645a3985328"', ServerSideEncryption: 'AES256' });
    });

    /** The first steps up to the snapshot, the instance started again: the archive is awaited from here. */
    async function snapshotted(backups: Ec2NodeBackups): Promise<BackupProgress | undefined> {
      const first = await step(backups, undefined, at(0));
      instance.state = 'stopped';
      return progressOf(await step(backups, progressOf(first), at(60)));
    }

    it('awaits the archive under the instance ARN of the region’s partition, as the instance names itself', async () => {
      const backups = new Ec2NodeBackups({
        client: new EC2Client({ region: 'cn-north-1' }),
        archives: {
          s3: new S3Client({ region: 'cn-north-1' }),
          configBucket: CONFIG_BUCKET,
          backupBucket: BACKUP_BUCKET,
        },
      });
      const waiting = await snapshotted(backups);
      expect(waiting?.awaited?.ref).toBe(
        `s3://${BACKUP_BUCKET}/archives/arn:aws-cn:ec2:cn-north-1:123456789012:instance/${INSTANCE}/${BACKUP}.tar.gz`,
      );
    });

    it('requests the archive before stopping, looks for it once per step and records it beside the snapshot', async () => {
      s3.on(HeadObjectCommand)
        .rejectsOnce(notFound())
        .resolves({ ContentLength: 73_400_320, ContentType: 'application/x-tar', ETag: '"a1"' });
      const backups = archiving();
      const waiting = await snapshotted(backups);
      const snapshotId = instance.snapshots[0]?.SnapshotId as string;
      expect(waiting).toEqual({
        phase: 'archiving',
        since: at(60).toISOString(),
        deadline: at(660).toISOString(),
        artifact: { kind: 'ebs-snapshot', ref: snapshotId },
        awaited: { kind: 'archive', ref: `s3://${BACKUP_BUCKET}/${ARCHIVE_KEY}` },
      });
      expect(await step(backups, waiting, at(120))).toEqual({ state: 'running', progress: waiting });
      expect(await step(backups, waiting, at(180))).toEqual({
        state: 'completed',
        backup: {
          kind: 'ebs-snapshot',
          ref: snapshotId,
          archive: { kind: 'archive', ref: `s3://${BACKUP_BUCKET}/${ARCHIVE_KEY}`, sizeBytes: 73_400_320 },
        },
      });
      const request = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
      expect([request?.Bucket, request?.Key, request?.Body]).toEqual([
        CONFIG_BUCKET,
        `nodes/${node.id}/backup-request.env`,
        `BACKUP_ID=${BACKUP}\n`,
      ]);
      // The request is in place before the instance stops, so the start after the snapshot finds it.
      const put = s3.commandCalls(PutObjectCommand)[0]!;
      expect(put.calledBefore(ec2.commandCalls(StopInstancesCommand)[0]!)).toBe(true);
      const heads = s3.commandCalls(HeadObjectCommand).map((call) => call.args[0].input);
      expect(heads).toEqual([
        { Bucket: BACKUP_BUCKET, Key: ARCHIVE_KEY },
        { Bucket: BACKUP_BUCKET, Key: ARCHIVE_KEY },
      ]);
    });

    it('stands on the snapshot alone when no archive arrives by the archive deadline', async () => {
      s3.on(HeadObjectCommand).rejects(notFound());
      const backups = archiving();
      const waiting = await snapshotted(backups);
      expect(await step(backups, waiting, at(659))).toEqual({ state: 'running', progress: waiting });
      expect(await step(backups, waiting, at(661))).toEqual({
        state: 'completed',
        backup: { kind: 'ebs-snapshot', ref: instance.snapshots[0]?.SnapshotId },
      });
      expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(1);
    });

    it('does not stop the node when the backup request cannot be written', async () => {
      s3.on(PutObjectCommand).rejects(
        Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
      );
      await expect(step(archiving(), undefined, at(0))).rejects.toThrow(/Access Denied/);
      expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0);
    });
  });
});
