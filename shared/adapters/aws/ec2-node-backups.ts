/**
 * Backups of an EC2 node's chain data (docs/architecture.md, "Fleet operations"): the data volume (`/dev/sdf` in
 * the fleet's launch templates, the root volume holds no chain data and the key lives in Secrets Manager) is
 * snapshotted while the instance is stopped, so the database is at rest, and the instance is started again whatever
 * came of the snapshot. The snapshot carries the node's and network's tags and the backup id; a node restored from it
 * launches with it as its data volume (Ec2NodeProvider.provision with `restoreFrom`).
 *
 * A backup is a sequence of short steps, one per pass of the runner (a scheduled function with a deadline of its
 * own), resumed from the progress kept on the backup's record: the first asks the instance to stop (phase
 * `stopping`); each later one looks at it once (DescribeInstances) and, when it is stopped, snapshots the volume and
 * starts it (phase `archiving`); an instance not stopped by the stop deadline is started again and the backup fails.
 * Every step can be repeated after a crash: stopping a stopped instance changes nothing, and the snapshot is looked up
 * by the backup's tag before one is made, so a step that failed after CreateSnapshot never makes a second.
 *
 * With the node configuration and backup buckets, the backup also asks for an archive of the data directory (what a
 * member's copy is made from; a snapshot cannot be copied into a bucket): before stopping, it writes
 * `nodes/<nodeId>/backup-request.env`; on the start after the snapshot, the instance's archive step
 * (besu-archive-boot.ts) uploads `archives/<instance ARN>/<backupId>.tar.gz`. While `archiving`, each step asks for
 * that object once (HeadObject) and records it beside the snapshot; no archive by the archive deadline leaves the
 * snapshot as the backup (member copies are then recorded as failed with the reason).
 */
import {
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
  type Instance,
  StartInstancesCommand,
  StopInstancesCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BackupProgress } from '../../domain/backup.ts';
import type { BackupArtifact } from '../../domain/backup-artifact.ts';
import type { NodeRecord } from '../../domain/node.ts';
import { InvalidStateError, UpstreamError, ValidationError } from '../../errors.ts';
import type { BackupStep, BackupStepRequest, NodeProvider, ProvisionSpec } from '../../ports/node-provider.ts';
import { ARCHIVE_PREFIX, BACKUP_REQUEST_FILE, renderBackupRequest } from './besu-archive-boot.ts';
import {
  type DescribedInstance,
  instanceArn,
  instanceOfNode,
  TAG_NETWORK,
  TAG_NODE,
  TAG_ORG,
  TAG_STAGE,
} from './ec2-fleet.ts';
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
  /** How long after the stop the instance may take to stop before the backup fails (it is started again). @default 300 */
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
  /** How long after the start the archive may take to arrive before the backup stands on its snapshot. @default 600 */
  readonly waitSeconds?: number;
}

export class Ec2NodeBackups implements Pick<NodeProvider, 'backup' | 'deleteBackup'> {
  constructor(private readonly options: Ec2NodeBackupsOptions) {}

  /** One short step of the backup: never waits for the instance or the archive, it looks once and returns. */
  async backup(node: NodeRecord, { backupId, progress, now }: BackupStepRequest): Promise<BackupStep> {
    const instanceId = node.providerRef;
    if (node.runtime !== 'ec2' || !instanceId) {
      throw new InvalidStateError(`Node ${node.id} has no EC2 instance to back up`);
    }
    if (!progress) return this.#stop(node, instanceId, backupId, now);
    if (progress.phase === 'stopping') return this.#snapshotOnceStopped(node, instanceId, backupId, progress, now);
    return this.#lookForArchive(progress, now);
  }

  /** The first step: the archive request is in place before the instance is asked to stop. */
  async #stop(node: NodeRecord, instanceId: string, backupId: string, now: Date): Promise<BackupStep> {
    dataVolumeOf(await instanceOfNode(this.options.client, node.id, instanceId), instanceId);
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
    await this.options.client.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    const deadline = after(now, this.options.stopWaitSeconds ?? 300);
    return { state: 'running', progress: { phase: 'stopping', since: now.toISOString(), deadline } };
  }

  /** Once the instance is stopped: the backup's snapshot (made now, or found if a step made it), then the start. */
  async #snapshotOnceStopped(
    node: NodeRecord,
    instanceId: string,
    backupId: string,
    progress: BackupProgress,
    now: Date,
  ): Promise<BackupStep> {
    const instance = await instanceOfNode(this.options.client, node.id, instanceId);
    const state = instance.State?.Name;
    const inTime = now.getTime() < Date.parse(progress.deadline);
    if (state === 'stopped') {
      let snapshotId: string | undefined;
      try {
        // A snapshot a repeated step already made counts, even past the deadline: the stop was done in time.
        snapshotId = await this.#snapshotOf(backupId);
        if (!snapshotId && inTime) snapshotId = await this.#snapshot(node, instance, instanceId, backupId);
      } catch (error) {
        // The node serves again whatever came of the snapshot.
        await this.#start(instanceId);
        return { state: 'failed', reason: `the snapshot failed: ${(error as Error).message}` };
      }
      await this.#start(instanceId);
      if (snapshotId) return this.#archiving(instance, instanceId, backupId, snapshotId, now);
      return { state: 'failed', reason: `${this.#notStopped('stopping')}; it was started again` };
    }
    if (state === 'running' || state === 'pending') {
      // Started again by a step whose record was not written (the snapshot exists), or by someone else.
      const snapshotId = await this.#snapshotOf(backupId);
      if (snapshotId) return this.#archiving(instance, instanceId, backupId, snapshotId, now);
      if (!inTime) return { state: 'failed', reason: `${this.#notStopped(state)}; it serves again` };
      await this.options.client.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
      return { state: 'running', progress };
    }
    if (inTime) return { state: 'running', progress };
    try {
      await this.#start(instanceId);
    } catch (error) {
      // EC2 does not start an instance that is still stopping; the reconciler starts the node once it has stopped.
      const refused = `EC2 refused to start it again (${(error as Error).message}); the reconciler starts it once stopped`;
      return { state: 'failed', reason: `${this.#notStopped(state)}; ${refused}` };
    }
    return { state: 'failed', reason: `${this.#notStopped(state)}; it was started again` };
  }

  #notStopped(state: string | undefined): string {
    return `the instance did not stop within ${this.options.stopWaitSeconds ?? 300} s (it was ${state ?? 'unknown'})`;
  }

  /** The snapshot taken; with the buckets, the archive the instance uploads next is awaited. */
  async #archiving(
    instance: DescribedInstance,
    instanceId: string,
    backupId: string,
    snapshotId: string,
    now: Date,
  ): Promise<BackupStep> {
    const artifact: BackupArtifact = { kind: 'ebs-snapshot', ref: snapshotId };
    const { archives } = this.options;
    if (!archives) return { state: 'completed', backup: artifact };
    if (!instance.owner) throw new UpstreamError('EC2 DescribeInstances returned no owner account');
    // The ARN the instance's archive step names itself by (ec2:SourceInstanceARN).
    const arn = instanceArn(await this.options.client.config.region(), instance.owner, instanceId);
    const awaited: BackupArtifact = {
      kind: 'archive',
      ref: `s3://${archives.backupBucket}/${ARCHIVE_PREFIX}${arn}/${backupId}.tar.gz`,
    };
    return {
      state: 'running',
      progress: {
        phase: 'archiving',
        since: now.toISOString(),
        deadline: after(now, archives.waitSeconds ?? 600),
        artifact,
        awaited,
      },
    };
  }

  /** One look for the archive: recorded beside the snapshot once there; past the deadline the snapshot stands alone. */
  async #lookForArchive(progress: BackupProgress, now: Date): Promise<BackupStep> {
    const { archives } = this.options;
    const snapshot = progress.artifact;
    if (!snapshot) throw new InvalidStateError('The backup reached its archive wait without a snapshot');
    const prefix = archives && `s3://${archives.backupBucket}/`;
    const ref = progress.awaited?.ref;
    if (!archives || !prefix || !ref?.startsWith(prefix)) return { state: 'completed', backup: snapshot };
    const key = ref.slice(prefix.length);
    try {
      const head = await archives.s3.send(new HeadObjectCommand({ Bucket: archives.backupBucket, Key: key }));
      const archive: BackupArtifact = {
        kind: 'archive',
        ref,
        ...(head.ContentLength !== undefined && { sizeBytes: head.ContentLength }),
      };
      return { state: 'completed', backup: { ...snapshot, archive } };
    } catch (error) {
      if ((error as { name?: string }).name !== 'NotFound') throw error;
    }
    if (now.getTime() < Date.parse(progress.deadline)) return { state: 'running', progress };
    return { state: 'completed', backup: snapshot };
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

  /** The backup's snapshot if a step already made it (found by the backup tag it was made with). */
  async #snapshotOf(backupId: string): Promise<string | undefined> {
    const answer = await this.options.client.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ['self'],
        Filters: [{ Name: `tag:${TAG_BACKUP}`, Values: [backupId] }],
      }),
    );
    return answer.Snapshots?.find((s) => s.State !== 'error')?.SnapshotId;
  }

  async #snapshot(node: NodeRecord, instance: Instance, instanceId: string, backupId: string): Promise<string> {
    const tags: Tag[] = [
      { Key: 'Name', Value: `carechain-${node.name}-${backupId}`.slice(0, 255) },
      { Key: TAG_ORG, Value: node.orgId },
      { Key: TAG_NODE, Value: node.id },
      { Key: TAG_NETWORK, Value: node.networkId },
      { Key: TAG_BACKUP, Value: backupId },
      ...(this.options.stage ? [{ Key: TAG_STAGE, Value: this.options.stage }] : []),
    ];
    const snapshot = await this.options.client.send(
      new CreateSnapshotCommand({
        VolumeId: dataVolumeOf(instance, instanceId),
        Description: `CareChain backup ${backupId} of node ${node.id}`,
        TagSpecifications: [{ ResourceType: 'snapshot', Tags: tags }],
      }),
    );
    if (!snapshot.SnapshotId) throw new UpstreamError('EC2 CreateSnapshot returned no snapshot');
    return snapshot.SnapshotId;
  }

  async #start(instanceId: string): Promise<void> {
    await this.options.client.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
  }
}

function dataVolumeOf(instance: Instance, instanceId: string): string {
  const volumeId = instance.BlockDeviceMappings?.find((m) => m.DeviceName === DATA_DEVICE)?.Ebs?.VolumeId;
  if (!volumeId) throw new InvalidStateError(`Instance ${instanceId} has no chain-data volume at ${DATA_DEVICE}`);
  return volumeId;
}

function after(now: Date, seconds: number): string {
  return new Date(now.getTime() + seconds * 1000).toISOString();
}
