/**
 * One EC2 instance as EC2 answers for it during a backup, on an aws-sdk-client-mock: StopInstances moves it to
 * `stopping` (the test says when it is `stopped`), StartInstances to `pending`, DescribeInstances reports its state
 * with its root and chain-data volumes, CreateSnapshot makes a tagged `pending` snapshot that DescribeSnapshots
 * finds by its tags, as EC2 does. A stopping instance cannot be started (IncorrectInstanceState).
 */
import {
  CreateSnapshotCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  type EC2ClientResolvedConfig,
  type Filter,
  type InstanceStateName,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type Snapshot,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { AwsStub } from 'aws-sdk-client-mock';
import { EC2_STATE_CODES, ec2Refusal } from './node-fixtures.ts';

export const DATA_VOLUME = 'vol-0123456789abcdef0';
export const OWNER = '123456789012';

type Ec2Stub = AwsStub<ServiceInputTypes, ServiceOutputTypes, EC2ClientResolvedConfig>;

/** The instance of node `nodeId`, tagged for it as the fleet's launch templates tag every instance. */
export function backupInstance(ec2: Ec2Stub, instanceId: string, nodeId: string) {
  /** `startFailures`: errors the next StartInstances calls throw (a throttled call, say), one each. */
  const instance = { state: 'running' as InstanceStateName, snapshots: [] as Snapshot[], startFailures: [] as Error[] };
  ec2.on(DescribeInstancesCommand).callsFake(() => ({
    Reservations: [
      {
        ReservationId: 'r-0123456789abcdef0',
        OwnerId: OWNER,
        Instances: [
          {
            InstanceId: instanceId,
            State: { Code: EC2_STATE_CODES[instance.state], Name: instance.state },
            Tags: [
              { Key: 'carechain:node', Value: nodeId },
              { Key: 'Name', Value: `carechain-${nodeId}` },
            ],
            BlockDeviceMappings: [
              { DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-0aaaaaaaaaaaaaaa1', Status: 'attached' } },
              { DeviceName: '/dev/sdf', Ebs: { VolumeId: DATA_VOLUME, Status: 'attached' } },
            ],
          },
        ],
      },
    ],
  }));
  ec2.on(StopInstancesCommand).callsFake(() => {
    const previous = instance.state;
    if (previous === 'running' || previous === 'pending') instance.state = 'stopping';
    return {
      StoppingInstances: [
        {
          InstanceId: instanceId,
          PreviousState: { Code: EC2_STATE_CODES[previous], Name: previous },
          CurrentState: { Code: EC2_STATE_CODES[instance.state], Name: instance.state },
        },
      ],
    };
  });
  ec2.on(StartInstancesCommand).callsFake(() => {
    const failure = instance.startFailures.shift();
    if (failure) throw failure;
    const previous = instance.state;
    if (previous === 'stopping') {
      throw ec2Refusal(
        'IncorrectInstanceState',
        `The instance '${instanceId}' is not in a state from which it can be started.`,
      );
    }
    if (previous === 'stopped') instance.state = 'pending';
    return {
      StartingInstances: [
        {
          InstanceId: instanceId,
          PreviousState: { Code: EC2_STATE_CODES[previous], Name: previous },
          CurrentState: { Code: EC2_STATE_CODES[instance.state], Name: instance.state },
        },
      ],
    };
  });
  ec2.on(CreateSnapshotCommand).callsFake((input) => {
    const snapshot: Snapshot = {
      SnapshotId: `snap-0${String(instance.snapshots.length + 1).padStart(16, 'f')}`,
      VolumeId: input.VolumeId,
      State: 'pending',
      Progress: '',
      OwnerId: OWNER,
      Tags: input.TagSpecifications?.[0]?.Tags,
    };
    instance.snapshots.push(snapshot);
    return snapshot;
  });
  ec2.on(DescribeSnapshotsCommand).callsFake((input) => {
    const tagFilters = (input.Filters ?? []).filter((f: Filter) => f.Name?.startsWith('tag:'));
    return {
      Snapshots: instance.snapshots.filter((s) =>
        tagFilters.every((f: Filter) =>
          s.Tags?.some((t) => `tag:${t.Key}` === f.Name && f.Values?.includes(t.Value ?? '')),
        ),
      ),
    };
  });
  return instance;
}

/** EC2 throttling a call, as it does under load. */
export const throttled = () => ec2Refusal('RequestLimitExceeded', 'Request limit exceeded.');
