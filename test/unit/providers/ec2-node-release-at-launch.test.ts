/**
 * A new EC2 node boots on the network's recorded Besu release, not the launch template's pinned one: before
 * RunInstances the provider writes `nodes/<nodeId>/besu-release.env` (what the release step reads before Besu's
 * first start) with the network's release, or the fleet's default when the network never recorded one. A replaced
 * instance keeps the node's file (the release the node ran); a provision that finds the node's live instance writes
 * nothing. Against aws-sdk-client-mock with realistic EC2 and S3 answers.
 */
import {
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Ec2NodeProvider } from '../../../shared/adapters/aws/ec2-node-provider.ts';
import { S3NodeFiles } from '../../../shared/adapters/aws/s3-node-files.ts';
import type { Network } from '../../../shared/domain/network.ts';
import type { NodeArtifacts } from '../../../shared/ports/node-provider.ts';
import { aNetwork, aNode } from './node-fixtures.ts';

const ec2 = mockClient(EC2Client);
const s3 = mockClient(S3Client);
const BUCKET = 'carechain-dev-node-config-123456789012';
const INSTANCE = 'i-0a1b2c3d4e5f60718';
const SHA = '3b5c1d0f2a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2918f7e6d5c4b3a29180';
const ARTIFACTS: NodeArtifacts = {
  genesisJson: '{"config":{"chainId":1337777,"qbft":{}},"alloc":{}}',
  besuConfigToml: 'data-path="/var/lib/besu"\n',
};
const upgraded = aNetwork({ id: 'net_aaaaaaaaaaaaaaaaaaaa', besuRelease: { version: '26.6.0', sha256: SHA } });
const node = aNode(upgraded, {
  id: 'node_bbbbbbbbbbbbbbbbbbbb',
  runtime: 'ec2',
  providerRef: undefined,
  state: 'provisioning',
});

let sequence: string[];

function provider(): Ec2NodeProvider {
  const files = new S3NodeFiles(new S3Client({ region: 'eu-north-1' }), BUCKET);
  return new Ec2NodeProvider({
    client: new EC2Client({ region: 'eu-north-1' }),
    launchTemplate: { id: 'lt-0123456789abcdef0', version: '4' },
    nodeFiles: files,
    releases: files,
    renderArtifacts: () => ARTIFACTS,
  });
}

const releaseWrites = () =>
  s3
    .commandCalls(PutObjectCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.Key?.endsWith('/besu-release.env'));

beforeEach(() => {
  ec2.reset();
  s3.reset();
  sequence = [];
  ec2.on(DescribeInstancesCommand).callsFake(() => {
    sequence.push('DescribeInstances');
    return { Reservations: [] };
  });
  ec2.on(RunInstancesCommand).callsFake(() => {
    sequence.push('RunInstances');
    return {
      ReservationId: 'r-0123456789abcdef0',
      OwnerId: '123456789012',
      Instances: [{ InstanceId: INSTANCE, State: { Code: 0, Name: 'pending' } }],
    };
  });
  ec2.on(TerminateInstancesCommand).resolves({
    TerminatingInstances: [{ InstanceId: 'i-0fedcba9876543210', CurrentState: { Code: 32, Name: 'shutting-down' } }],
  });
  s3.on(PutObjectCommand).callsFake((input: { Key: string }) => {
    sequence.push(`PutObject ${input.Key.split('/').at(-1)}`);
    return { ETag: '"5d41402abc4b2a76b9719d911017c592"', VersionId: 'v1' };
  });
});

describe('a new EC2 node’s Besu release', () => {
  it('is the network’s recorded release, written before the launch, with no plan flags', async () => {
    await provider().provision({ node, network: upgraded, clientToken: 'attempt-1', artifacts: ARTIFACTS });
    expect(releaseWrites()).toEqual([
      {
        Bucket: BUCKET,
        Key: `nodes/${node.id}/besu-release.env`,
        Body: `BESU_VERSION=26.6.0\nBESU_SHA256=${SHA}\nBESU_RELEASE_FLAGS=\n`,
        ContentType: 'text/plain',
      },
    ]);
    expect(sequence.indexOf('PutObject besu-release.env')).toBeLessThan(sequence.indexOf('RunInstances'));
  });

  it('is the fleet’s default (empty version) on a network that never recorded one', async () => {
    const fresh: Network = { ...upgraded, besuRelease: undefined };
    await provider().provision({ node, network: fresh, clientToken: 'attempt-1', artifacts: ARTIFACTS });
    expect(releaseWrites().map((input) => input.Body)).toEqual(['BESU_VERSION=\nBESU_SHA256=\nBESU_RELEASE_FLAGS=\n']);
  });

  it('is not rewritten when the node’s instance already runs, nor when the instance is replaced', async () => {
    ec2.on(DescribeInstancesCommand).resolvesOnce({
      Reservations: [
        {
          ReservationId: 'r-0123456789abcdef0',
          OwnerId: '123456789012',
          Instances: [
            {
              InstanceId: INSTANCE,
              State: { Code: 16, Name: 'running' },
              Tags: [{ Key: 'carechain:node', Value: node.id }],
            },
          ],
        },
      ],
    });
    await provider().provision({ node, network: upgraded, clientToken: 'attempt-1', artifacts: ARTIFACTS });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
    const running = { ...node, providerRef: 'i-0fedcba9876543210', state: 'running' as const };
    const replaced = await provider().replace(running, upgraded, `${node.id}-r1`);
    expect(replaced).toEqual({ providerRef: INSTANCE });
    expect(releaseWrites()).toEqual([]);
  });
});
