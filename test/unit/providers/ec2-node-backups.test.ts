/**
 * EC2 backups against aws-sdk-client-mock with realistic EC2 answers: the node's instance is stopped, its chain-data
 * volume (/dev/sdf) snapshotted with the node's, network's and backup's tags once EC2 reports it stopped, and started
 * again, also when the snapshot fails; a backup's snapshot is deleted (a missing one counts as deleted); a node
 * restored from a backup launches with the snapshot as its chain-data volume.
 */
import {
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  type Instance,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { HeadObjectCommand, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Ec2NodeBackups } from '../../../shared/adapters/aws/ec2-node-backups.ts';
import { Ec2NodeProvider } from '../../../shared/adapters/aws/ec2-node-provider.ts';
import { aNetwork, aNode } from './node-fixtures.ts';

const ec2 = mockClient(EC2Client);
const client = new EC2Client({ region: 'eu-north-1' });
const INSTANCE = 'i-0a1b2c3d4e5f60718';
const VOLUME = 'vol-0123456789abcdef0';
const SNAPSHOT = 'snap-0fedcba9876543210';
const network = aNetwork({ id: 'net_aaaaaaaaaaaaaaaaaaaa' });
const node = aNode(network, {
  id: 'node_bbbbbbbbbbbbbbbbbbbb',
  orgId: 'org_cccccccccccccccccccc',
  runtime: 'ec2',
  providerRef: INSTANCE,
  state: 'running',
});

function instance(state: 'running' | 'stopping' | 'stopped'): Instance {
  return {
    InstanceId: INSTANCE,
    State: { Code: state === 'running' ? 16 : state === 'stopping' ? 64 : 80, Name: state },
    BlockDeviceMappings: [
      { DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-0aaaaaaaaaaaaaaa1', Status: 'attached' } },
      { DeviceName: '/dev/sdf', Ebs: { VolumeId: VOLUME, Status: 'attached' } },
    ],
  };
}
const described = (state: 'running' | 'stopping' | 'stopped') => ({
  Reservations: [{ ReservationId: 'r-0123456789abcdef0', OwnerId: '123456789012', Instances: [instance(state)] }],
});

const s3 = mockClient(S3Client);
const CONFIG_BUCKET = 'carechain-prod-nodecfg-123456789012-eu-north-1';
const BACKUP_BUCKET = 'carechain-prod-nodebkp-123456789012-eu-north-1';
const ARCHIVE_KEY = `archives/arn:aws:ec2:eu-north-1:123456789012:instance/${INSTANCE}/bak_dddddddddddddddddddd.tar.gz`;
const notFound = () => new NotFound({ $metadata: { httpStatusCode: 404 }, message: 'NotFound' });

beforeEach(() => {
  ec2.reset();
  s3.reset();
  ec2.on(StopInstancesCommand).resolves({
    StoppingInstances: [{ InstanceId: INSTANCE, CurrentState: { Code: 64, Name: 'stopping' } }],
  });
  ec2.on(StartInstancesCommand).resolves({
    StartingInstances: [{ InstanceId: INSTANCE, CurrentState: { Code: 0, Name: 'pending' } }],
  });
  ec2.on(DescribeInstancesCommand).resolvesOnce(described('running')).resolves(described('stopped'));
});

describe('EC2 node backups', () => {
  it('stops the instance, snapshots its chain-data volume once stopped, tags it, and starts it again', async () => {
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: SNAPSHOT, VolumeId: VOLUME, State: 'pending' });
    const backups = new Ec2NodeBackups({ client, stage: 'prod' });
    expect(await backups.backup(node, 'bak_dddddddddddddddddddd')).toEqual({ kind: 'ebs-snapshot', ref: SNAPSHOT });
    const calls = ec2.calls().map((call) => call.args[0].constructor.name);
    expect(calls.indexOf('StopInstancesCommand')).toBeLessThan(calls.indexOf('CreateSnapshotCommand'));
    expect(calls.at(-1)).toBe('StartInstancesCommand');
    const snapshot = ec2.commandCalls(CreateSnapshotCommand)[0]?.args[0].input;
    expect(snapshot?.VolumeId).toBe(VOLUME);
    expect(snapshot?.TagSpecifications?.[0]?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'carechain:node', Value: node.id },
        { Key: 'carechain:network', Value: network.id },
        { Key: 'carechain:backup', Value: 'bak_dddddddddddddddddddd' },
        { Key: 'carechain:stage', Value: 'prod' },
      ]),
    );
  });

  it('starts the instance again when the snapshot fails', async () => {
    ec2.on(CreateSnapshotCommand).rejects(
      new EC2ServiceException({
        name: 'SnapshotCreationPerVolumeRateExceeded',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'The maximum per volume CreateSnapshot request rate has been exceeded.',
      }),
    );
    const backups = new Ec2NodeBackups({ client });
    await expect(backups.backup(node, 'bak_dddddddddddddddddddd')).rejects.toThrow(/rate has been exceeded/);
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(1);
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
    const sleeps: number[] = [];
    const archiving = (attempts = 3) =>
      new Ec2NodeBackups({
        client,
        stage: 'prod',
        archives: {
          s3: new S3Client({ region: 'eu-north-1' }),
          configBucket: CONFIG_BUCKET,
          backupBucket: BACKUP_BUCKET,
          attempts,
          intervalMs: 15_000,
          sleep: async (ms) => {
            sleeps.push(ms);
          },
        },
      });
    beforeEach(() => {
      sleeps.length = 0;
      ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: SNAPSHOT, VolumeId: VOLUME, State: 'pending' });
      s3.on(PutObjectCommand).resolves({ ETag: '"9b2cf535f27731c974343645a3985328"', ServerSideEncryption: 'AES256' });
    });

    it('requests the archive before stopping, waits for the instance’s upload and records it beside the snapshot', async () => {
      s3.on(HeadObjectCommand)
        .rejectsOnce(notFound())
        .resolves({ ContentLength: 73_400_320, ContentType: 'application/x-tar', ETag: '"a1"' });
      const made = await archiving().backup(node, 'bak_dddddddddddddddddddd');
      expect(made).toEqual({
        kind: 'ebs-snapshot',
        ref: SNAPSHOT,
        archive: { kind: 'archive', ref: `s3://${BACKUP_BUCKET}/${ARCHIVE_KEY}`, sizeBytes: 73_400_320 },
      });
      const request = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
      expect([request?.Bucket, request?.Key, request?.Body]).toEqual([
        CONFIG_BUCKET,
        `nodes/${node.id}/backup-request.env`,
        'BACKUP_ID=bak_dddddddddddddddddddd\n',
      ]);
      // The request is in place before the instance stops, so the start after the snapshot finds it.
      const put = s3.commandCalls(PutObjectCommand)[0]!;
      expect(put.calledBefore(ec2.commandCalls(StopInstancesCommand)[0]!)).toBe(true);
      expect(s3.commandCalls(HeadObjectCommand)[0]!.calledAfter(ec2.commandCalls(StartInstancesCommand)[0]!)).toBe(
        true,
      );
      const heads = s3.commandCalls(HeadObjectCommand).map((call) => call.args[0].input);
      expect(heads).toEqual([
        { Bucket: BACKUP_BUCKET, Key: ARCHIVE_KEY },
        { Bucket: BACKUP_BUCKET, Key: ARCHIVE_KEY },
      ]);
      expect(sleeps).toEqual([15_000]);
    });

    it('stands on the snapshot alone when no archive arrives within the bounded wait', async () => {
      s3.on(HeadObjectCommand).rejects(notFound());
      expect(await archiving(3).backup(node, 'bak_dddddddddddddddddddd')).toEqual({
        kind: 'ebs-snapshot',
        ref: SNAPSHOT,
      });
      expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(3);
      expect(sleeps).toEqual([15_000, 15_000]);
      expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(1);
    });

    it('does not stop the node when the backup request cannot be written', async () => {
      s3.on(PutObjectCommand).rejects(
        Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
      );
      await expect(archiving().backup(node, 'bak_dddddddddddddddddddd')).rejects.toThrow(/Access Denied/);
      expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0);
    });
  });
});
