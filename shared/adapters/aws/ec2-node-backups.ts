/**
 * Backups of an EC2 node's chain data (docs/architecture.md, "Fleet operations"): the data volume (`/dev/sdf` in
 * the fleet's launch templates, the root volume holds no chain data and the key lives in Secrets Manager) is
 * snapshotted while the instance is stopped, so the database is at rest, and the instance is started again whatever
 * came of the snapshot. The snapshot carries the node's and network's tags and the backup id; a node restored from it
 * launches with it as its data volume (Ec2NodeProvider.provision with `restoreFrom`). Stopping waits with the SDK's
 * own waiter; snapshots complete in the background, which EC2 allows an instance to be started during.
 *
 * With the node configuration and backup buckets, the backup also asks for an archive of the data directory (what a
 * member's copy is made from; a snapshot cannot be copied into a bucket): before stopping, it writes
 * `nodes/<nodeId>/backup-request.env`; on the start after the snapshot, the instance's archive step
 * (besu-archive-boot.ts) uploads `archives/<instance ARN>/<backupId>.tar.gz`. The backup waits for that object a
 * bounded time (HeadObject) and records it beside the snapshot; no archive in time leaves the snapshot as the backup
 * (member copies are then recorded as failed with the reason).
 */
import {
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeInstancesCommand,
  type EC2Client,
  StartInstancesCommand,
  StopInstancesCommand,
  type Tag,
  waitUntilInstanceStopped,
} from '@aws-sdk/client-ec2';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BackupArtifact } from '../../domain/backup-artifact.ts';
import type { NodeRecord } from '../../domain/node.ts';
import { InvalidStateError, UpstreamError, ValidationError } from '../../errors.ts';
import type { NodeBackup, NodeProvider, ProvisionSpec } from '../../ports/node-provider.ts';
import { ARCHIVE_PREFIX, BACKUP_REQUEST_FILE, renderBackupRequest } from './besu-archive-boot.ts';
import { TAG_NETWORK, TAG_NODE, TAG_ORG, TAG_STAGE } from './ec2-fleet.ts';
import { nodeFilesFolder } from './s3-node-files.ts';

/** The device of the chain-data volume in the fleet's launch templates. */
export const DATA_DEVICE = '/dev/sdf';
export const TAG_BACKUP = 'carechain:backup';

/** A restore's data volume: the backup's snapshot (EC2 nodes restore from EBS snapshots only). */
export function restoredData(spec: ProvisionSpec): { dataSnapshotId?: string } {
  if (!spec.restoreFrom) return {};
  if (spec.restoreFrom.kind !== 'ebs-snapshot') throw new ValidationError('EC2 nodes restore from EBS snapshots');
  return { dataSnapshotId: spec.restoreFrom.ref };
}

export interface Ec2NodeBackupsOptions {
  readonly client: EC2Client;
  readonly stage?: string;
  /** How long a stop may take before the backup fails (the instance is started again). @default 300 */
  readonly stopWaitSeconds?: number;
  /** With it, the backup also asks the instance for an archive of its data directory and records it. */
  readonly archives?: BackupArchiveOptions;
}

export interface BackupArchiveOptions {
  readonly s3: S3Client;
  /** Where the backup request goes (`nodes/<nodeId>/backup-request.env`). */
  readonly configBucket: string;
  /** Where the instance uploads the archive. */
  readonly backupBucket: string;
  /** @default 'aws' */
  readonly partition?: string;
  /** HeadObject tries before the backup stands without an archive. @default 40 */
  readonly attempts?: number;
  /** Pause between tries. @default 15 s */
  readonly intervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Ec2NodeBackups implements Pick<NodeProvider, 'backup' | 'deleteBackup'> {
  constructor(private readonly options: Ec2NodeBackupsOptions) {}

  async backup(node: NodeRecord, backupId: string): Promise<NodeBackup> {
    const { client } = this.options;
    const instanceId = node.providerRef;
    if (node.runtime !== 'ec2' || !instanceId) {
      throw new InvalidStateError(`Node ${node.id} has no EC2 instance to back up`);
    }
    const { volumeId, instanceArn } = await this.#dataVolume(instanceId);
    const { archives } = this.options;
    if (archives) {
      await archives.s3.send(
        new PutObjectCommand({
          Bucket: archives.configBucket,
          Key: `${nodeFilesFolder(node.id)}/${BACKUP_REQUEST_FILE}`,
          Body: renderBackupRequest(backupId),
          ContentType: 'text/plain',
        }),
      );
    }
    let snapshotId: string;
    await client.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    try {
      await waitUntilInstanceStopped(
        { client, maxWaitTime: this.options.stopWaitSeconds ?? 300 },
        { InstanceIds: [instanceId] },
      );
      const tags: Tag[] = [
        { Key: 'Name', Value: `carechain-${node.name}-${backupId}`.slice(0, 255) },
        { Key: TAG_ORG, Value: node.orgId },
        { Key: TAG_NODE, Value: node.id },
        { Key: TAG_NETWORK, Value: node.networkId },
        { Key: TAG_BACKUP, Value: backupId },
        ...(this.options.stage ? [{ Key: TAG_STAGE, Value: this.options.stage }] : []),
      ];
      const snapshot = await client.send(
        new CreateSnapshotCommand({
          VolumeId: volumeId,
          Description: `CareChain backup ${backupId} of node ${node.id}`,
          TagSpecifications: [{ ResourceType: 'snapshot', Tags: tags }],
        }),
      );
      if (!snapshot.SnapshotId) throw new UpstreamError('EC2 CreateSnapshot returned no snapshot');
      snapshotId = snapshot.SnapshotId;
    } finally {
      // The node serves again whatever came of the snapshot.
      await client.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
    }
    const made: NodeBackup = { kind: 'ebs-snapshot', ref: snapshotId };
    if (!archives) return made;
    const partition = archives.partition ?? 'aws';
    const region = await client.config.region();
    const key = `${ARCHIVE_PREFIX}${instanceArn(partition, region)}/${backupId}.tar.gz`;
    const archive = await this.#awaitArchive(archives, key);
    return archive ? { ...made, archive } : made;
  }

  /** The archive once the instance has uploaded it, or nothing after the bounded wait. */
  async #awaitArchive(archives: BackupArchiveOptions, key: string): Promise<BackupArtifact | undefined> {
    const attempts = archives.attempts ?? 40;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const head = await archives.s3.send(new HeadObjectCommand({ Bucket: archives.backupBucket, Key: key }));
        return {
          kind: 'archive',
          ref: `s3://${archives.backupBucket}/${key}`,
          ...(head.ContentLength !== undefined && { sizeBytes: head.ContentLength }),
        };
      } catch (error) {
        if ((error as { name?: string }).name !== 'NotFound') throw error;
      }
      if (attempt < attempts) await (archives.sleep ?? pause)(archives.intervalMs ?? 15_000);
    }
    return undefined;
  }

  async deleteBackup(artifact: BackupArtifact): Promise<void> {
    if (artifact.kind !== 'ebs-snapshot' || !/^snap-[0-9a-f]{8,17}$/.test(artifact.ref)) {
      throw new ValidationError('The backup does not name an EBS snapshot');
    }
    try {
      await this.options.client.send(new DeleteSnapshotCommand({ SnapshotId: artifact.ref }));
    } catch (error) {
      if ((error as { name?: string }).name !== 'InvalidSnapshot.NotFound') throw error;
    }
  }

  async #dataVolume(
    instanceId: string,
  ): Promise<{ volumeId: string; instanceArn: (partition: string, region: string) => string }> {
    const answer = await this.options.client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const reservation = answer.Reservations?.[0];
    const instance = reservation?.Instances?.[0];
    const mapping = instance?.BlockDeviceMappings?.find((m) => m.DeviceName === DATA_DEVICE);
    const volumeId = mapping?.Ebs?.VolumeId;
    if (!volumeId) throw new InvalidStateError(`Instance ${instanceId} has no chain-data volume at ${DATA_DEVICE}`);
    // The ARN the instance's archive step names itself by (ec2:SourceInstanceARN).
    const owner = reservation?.OwnerId;
    return {
      volumeId,
      instanceArn: (partition, region) => `arn:${partition}:ec2:${region}:${owner}:instance/${instanceId}`,
    };
  }
}
