/**
 * Rolling upgrades of EC2 nodes against aws-sdk-client-mock with realistic EC2 and S3 answers: the node's release
 * file (version, SHA-256, the plan's flags) is written to its folder of the node configuration bucket before its
 * instance is rebooted (started, when stopped); a retry writes the same file and reboots again, nothing more; a
 * rollback writes the previous release, or the fleet's default (empty version); an instance that cannot be rebooted,
 * another node's instance, a malformed release or an unsafe flag are refused before anything changes.
 */
import {
  DescribeInstancesCommand,
  EC2Client,
  type Instance,
  RebootInstancesCommand,
  StartInstancesCommand,
} from '@aws-sdk/client-ec2';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Ec2NodeUpgrades } from '../../../shared/adapters/aws/ec2-node-upgrades.ts';
import { S3NodeFiles } from '../../../shared/adapters/aws/s3-node-files.ts';
import { aNetwork, aNode, ec2Refusal } from './node-fixtures.ts';

const ec2 = mockClient(EC2Client);
const s3 = mockClient(S3Client);
const client = new EC2Client({ region: 'eu-north-1' });
const BUCKET = 'carechain-dev-node-config-123456789012';
const INSTANCE = 'i-0a1b2c3d4e5f60718';
const SHA = '3b5c1d0f2a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2918f7e6d5c4b3a29180';
const network = aNetwork({ id: 'net_aaaaaaaaaaaaaaaaaaaa' });
const node = aNode(network, {
  id: 'node_bbbbbbbbbbbbbbbbbbbb',
  runtime: 'ec2',
  role: 'validator',
  providerRef: INSTANCE,
  state: 'running',
});

function described(state: 'pending' | 'running' | 'stopping' | 'stopped', owner = node.id) {
  const codes = { pending: 0, running: 16, stopping: 64, stopped: 80 } as const;
  const instance: Instance = {
    InstanceId: INSTANCE,
    InstanceType: 't4g.large',
    State: { Code: codes[state], Name: state },
    PrivateIpAddress: '10.0.1.23',
    Tags: [
      { Key: 'carechain:node', Value: owner },
      { Key: 'carechain:network', Value: network.id },
      { Key: 'carechain:stage', Value: 'dev' },
    ],
  };
  return { Reservations: [{ ReservationId: 'r-0123456789abcdef0', OwnerId: '123456789012', Instances: [instance] }] };
}

const upgrades = () =>
  new Ec2NodeUpgrades({ client, releases: new S3NodeFiles(new S3Client({ region: 'eu-north-1' }), BUCKET) });

let sequence: string[];

beforeEach(() => {
  ec2.reset();
  s3.reset();
  sequence = [];
  ec2.on(DescribeInstancesCommand).callsFake(() => {
    sequence.push('DescribeInstances');
    return described('running');
  });
  ec2.on(RebootInstancesCommand).callsFake(() => {
    sequence.push('RebootInstances');
    return { $metadata: { httpStatusCode: 200 } };
  });
  ec2.on(StartInstancesCommand).callsFake(() => {
    sequence.push('StartInstances');
    return { StartingInstances: [{ InstanceId: INSTANCE, CurrentState: { Code: 0, Name: 'pending' } }] };
  });
  s3.on(PutObjectCommand).callsFake(() => {
    sequence.push('PutObject');
    return { ETag: '"5d41402abc4b2a76b9719d911017c592"', VersionId: 'v1' };
  });
});

describe('EC2 node upgrades', () => {
  it('writes the node’s release with its SHA-256 and flags to its bucket folder, then reboots the instance', async () => {
    await upgrades().upgrade(node, { version: '26.6.0', sha256: SHA }, ['--Xbft-legacy-protocol-encoding']);
    expect(sequence).toEqual(['DescribeInstances', 'PutObject', 'RebootInstances']);
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put?.Bucket).toBe(BUCKET);
    expect(put?.Key).toBe(`nodes/${node.id}/besu-release.env`);
    expect(put?.Body).toBe(
      `BESU_VERSION=26.6.0\nBESU_SHA256=${SHA}\nBESU_RELEASE_FLAGS=--Xbft-legacy-protocol-encoding\n`,
    );
    expect(ec2.commandCalls(RebootInstancesCommand)[0]?.args[0].input).toEqual({ InstanceIds: [INSTANCE] });
    expect(ec2.calls().length + s3.calls().length).toBe(3);
  });

  it('is idempotent on retry: the same file again and another reboot, no other resource', async () => {
    const release = { version: '26.6.0', sha256: SHA };
    await upgrades().upgrade(node, release, []);
    await upgrades().upgrade(node, release, []);
    const bodies = s3.commandCalls(PutObjectCommand).map((call) => [call.args[0].input.Key, call.args[0].input.Body]);
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toEqual(bodies[1]);
    expect(sequence).toEqual([
      'DescribeInstances',
      'PutObject',
      'RebootInstances',
      'DescribeInstances',
      'PutObject',
      'RebootInstances',
    ]);
  });

  it('rolls back through the same path: the previous release, or the fleet’s default with no flags', async () => {
    await upgrades().upgrade(node, { version: '25.10.0', sha256: 'a'.repeat(64) }, []);
    await upgrades().upgrade(node, undefined, []);
    const bodies = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Body);
    expect(bodies).toEqual([
      `BESU_VERSION=25.10.0\nBESU_SHA256=${'a'.repeat(64)}\nBESU_RELEASE_FLAGS=\n`,
      'BESU_VERSION=\nBESU_SHA256=\nBESU_RELEASE_FLAGS=\n',
    ]);
  });

  it('starts a stopped instance instead of rebooting it; a booting one only gets the file', async () => {
    ec2.on(DescribeInstancesCommand).resolvesOnce(described('stopped')).resolvesOnce(described('pending'));
    await upgrades().upgrade(node, { version: '26.6.0', sha256: SHA }, []);
    await upgrades().upgrade(node, { version: '26.6.0', sha256: SHA }, []);
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(1);
    expect(ec2.commandCalls(RebootInstancesCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(2);
  });

  it('refuses, before writing anything, an instance that cannot be rebooted or is not the node’s', async () => {
    ec2.on(DescribeInstancesCommand).resolvesOnce(described('stopping')).resolvesOnce(described('running', 'node_x'));
    await expect(upgrades().upgrade(node, { version: '26.6.0', sha256: SHA }, [])).rejects.toThrow(
      `EC2 instance ${INSTANCE} of node ${node.id} is stopping: it cannot be upgraded`,
    );
    await expect(upgrades().upgrade(node, { version: '26.6.0', sha256: SHA }, [])).rejects.toThrow(
      /is not node node_bbbbbbbbbbbbbbbbbbbb's \(tagged node_x\)/,
    );
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('refuses a malformed release or a flag the boot would not accept, before any call', async () => {
    await expect(upgrades().upgrade(node, { version: '26.6.0', sha256: 'ABC' }, [])).rejects.toThrow(/SHA-256/);
    await expect(
      upgrades().upgrade(node, { version: '26.6.0', sha256: SHA }, ['--rpc-http-api=$(curl evil)']),
    ).rejects.toThrow(/not a Besu option the boot accepts/);
    await expect(upgrades().upgrade({ ...node, providerRef: undefined }, undefined, [])).rejects.toThrow(
      /has no EC2 instance to upgrade/,
    );
    expect(sequence).toEqual([]);
  });

  it('names EC2’s refusal of the reboot, after the file was written (a retry writes it again)', async () => {
    ec2
      .on(RebootInstancesCommand)
      .rejects(
        ec2Refusal(
          'IncorrectInstanceState',
          `The instance '${INSTANCE}' is not in a state from which it can be rebooted.`,
        ),
      );
    await expect(upgrades().upgrade(node, { version: '26.6.0', sha256: SHA }, [])).rejects.toThrow(
      'EC2 RebootInstances failed: IncorrectInstanceState: the instance is not in a state that allows it',
    );
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });
});
