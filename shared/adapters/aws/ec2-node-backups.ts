/**
 * Backups of an EC2 node's chain data (docs/architecture.md, "Fleet operations"): the data volume (`/dev/sdf` in
 * the fleet's launch templates, the root volume holds no chain data and the key lives in Secrets Manager) is
 * snapshotted while the instance is stopped, so the database is at rest, and the instance is started again whatever
 * came of the snapshot. The snapshot carries the node's and network's tags and the backup id; a node restored from it
 * launches with it as its data volume (Ec2NodeProvider.provision with `restoreFrom`). Stopping waits with the SDK's
 * own waiter; snapshots complete in the background, which EC2 allows an instance to be started during.
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
import type { BackupArtifact } from '../../domain/backup-artifact.ts';
import type { NodeRecord } from '../../domain/node.ts';
import { InvalidStateError, UpstreamError, ValidationError } from '../../errors.ts';
import type { NodeBackup, NodeProvider, ProvisionSpec } from '../../ports/node-provider.ts';
import { TAG_NETWORK, TAG_NODE, TAG_ORG, TAG_STAGE } from './ec2-fleet.ts';

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
}

export class Ec2NodeBackups implements Pick<NodeProvider, 'backup' | 'deleteBackup'> {
  constructor(private readonly options: Ec2NodeBackupsOptions) {}

  async backup(node: NodeRecord, backupId: string): Promise<NodeBackup> {
    const { client } = this.options;
    const instanceId = node.providerRef;
    if (node.runtime !== 'ec2' || !instanceId) {
      throw new InvalidStateError(`Node ${node.id} has no EC2 instance to back up`);
    }
    const volumeId = await this.#dataVolume(instanceId);
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
      return { kind: 'ebs-snapshot', ref: snapshot.SnapshotId };
    } finally {
      // The node serves again whatever came of the snapshot.
      await client.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
    }
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

  async #dataVolume(instanceId: string): Promise<string> {
    const answer = await this.options.client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = answer.Reservations?.[0]?.Instances?.[0];
    const mapping = instance?.BlockDeviceMappings?.find((m) => m.DeviceName === DATA_DEVICE);
    const volumeId = mapping?.Ebs?.VolumeId;
    if (!volumeId) throw new InvalidStateError(`Instance ${instanceId} has no chain-data volume at ${DATA_DEVICE}`);
    return volumeId;
  }
}
