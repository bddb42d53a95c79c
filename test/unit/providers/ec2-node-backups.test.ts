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
  Reservations: [{ Instances: [instance(state)] }],
});

beforeEach(() => {
  ec2.reset();
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
});
