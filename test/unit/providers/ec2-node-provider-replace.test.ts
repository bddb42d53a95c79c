/**
 * Ec2NodeProvider.replace against aws-sdk-client-mock with realistic EC2 answers: the old instance is terminated
 * (and only it), a new one launched with the replacement attempt's own ClientToken, the node's tags, the same
 * launch template and subnet as its first launch; a repeated call gets the same new instance back.
 */
import {
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  type Instance,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ec2ClientToken, subnetForNode } from '../../../shared/adapters/aws/ec2-fleet.ts';
import { Ec2NodeProvider } from '../../../shared/adapters/aws/ec2-node-provider.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { UpstreamError } from '../../../shared/errors.ts';
import type { NodeFilePublisher } from '../../../shared/ports/node-files.ts';
import type { NodeArtifacts } from '../../../shared/ports/node-provider.ts';
import { aNetwork, aNode } from './node-fixtures.ts';

const ec2 = mockClient(EC2Client);
const client = new EC2Client({ region: 'eu-north-1' });
const OLD_ID = 'i-0a1b2c3d4e5f60718';
const NEW_ID = 'i-0fedcba98765432a1';
const SUBNETS = ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2', 'subnet-0ccccccccccccccc3'];
const network = aNetwork({ id: 'net_aaaaaaaaaaaaaaaaaaaa' });
const ARTIFACTS: NodeArtifacts = {
  genesisJson: JSON.stringify({ config: { chainId: 1_337_777, qbft: {} }, alloc: {} }),
  besuConfigToml: 'data-path="/var/lib/besu"\nrpc-http-enabled=true\n',
};

function ec2Node(overrides: Partial<NodeRecord> = {}): NodeRecord {
  return aNode(network, {
    id: 'node_bbbbbbbbbbbbbbbbbbbb',
    orgId: 'org_cccccccccccccccccccc',
    runtime: 'ec2',
    size: 'medium',
    providerRef: OLD_ID,
    state: 'degraded',
    ...overrides,
  });
}

function launched(id: string): Instance {
  return {
    InstanceId: id,
    InstanceType: 'm7g.xlarge',
    LaunchTime: new Date('2026-03-01T12:00:00.000Z'),
    State: { Code: 0, Name: 'pending' },
    Tags: [{ Key: 'carechain:node', Value: 'node_bbbbbbbbbbbbbbbbbbbb' }],
  };
}

function provider(published: string[] = []): Ec2NodeProvider {
  const nodeFiles: NodeFilePublisher = { publish: async (nodeId) => void published.push(nodeId) };
  return new Ec2NodeProvider({
    client,
    launchTemplate: { id: 'lt-0123456789abcdef0', version: '4' },
    subnetIds: SUBNETS,
    nodeFiles,
    renderArtifacts: () => ARTIFACTS,
    stage: 'prod',
  });
}

beforeEach(() => {
  ec2.reset();
  ec2.on(TerminateInstancesCommand).resolves({
    TerminatingInstances: [
      {
        InstanceId: OLD_ID,
        CurrentState: { Code: 32, Name: 'shutting-down' },
        PreviousState: { Code: 16, Name: 'running' },
      },
    ],
  });
});

describe('Ec2NodeProvider.replace', () => {
  it('terminates the old instance and launches a new one with the attempt token, tags, template and subnet', async () => {
    ec2
      .on(RunInstancesCommand)
      .resolves({ ReservationId: 'r-01', OwnerId: '123456789012', Instances: [launched(NEW_ID)] });
    const published: string[] = [];
    const node = ec2Node();

    const result = await provider(published).replace(node, network, `${node.id}-r4`);

    expect(result).toEqual({ providerRef: NEW_ID });
    expect(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceIds: [OLD_ID] },
    ]);
    // Terminated before the launch: the node is never billed for two instances.
    const order = ec2.calls().map((c) => c.args[0].constructor.name);
    expect(order).toEqual(['TerminateInstancesCommand', 'RunInstancesCommand']);
    // The still-shutting-down old instance is never looked up and handed back as the "new" one.
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
    expect(published).toEqual([node.id]);

    const input = ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    const tags = [
      { Key: 'Name', Value: 'carechain-karolinska-1' },
      { Key: 'carechain:org', Value: node.orgId },
      { Key: 'carechain:node', Value: node.id },
      { Key: 'carechain:network', Value: network.id },
      { Key: 'carechain:stage', Value: 'prod' },
    ];
    expect(input).toMatchObject({
      LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', Version: '4' },
      SubnetId: subnetForNode(node.id, SUBNETS),
      MinCount: 1,
      MaxCount: 1,
      ClientToken: ec2ClientToken(node.id, `${node.id}-r4`),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
    });
    // A distinct token from the first launch's, or EC2 would hand back the terminated instance.
    expect(input.ClientToken).not.toBe(ec2ClientToken(node.id, node.id));
    expect(input.UserData).toBeUndefined();
  });

  it('is idempotent per attempt: a repeated call terminates only the old instance and gets the same new one', async () => {
    // EC2 answers a repeated ClientToken with the instance it launched for it.
    ec2.on(RunInstancesCommand).callsFake(async (input: { ClientToken?: string }) => ({
      ReservationId: 'r-01',
      Instances: [
        launched(
          input.ClientToken === ec2ClientToken('node_bbbbbbbbbbbbbbbbbbbb', 'node_bbbbbbbbbbbbbbbbbbbb-r4')
            ? NEW_ID
            : 'i-0999999999999999',
        ),
      ],
    }));
    ec2
      .on(TerminateInstancesCommand)
      .resolvesOnce({
        TerminatingInstances: [{ InstanceId: OLD_ID, CurrentState: { Code: 32, Name: 'shutting-down' } }],
      })
      .resolves({ TerminatingInstances: [{ InstanceId: OLD_ID, CurrentState: { Code: 48, Name: 'terminated' } }] });
    const node = ec2Node();

    const first = await provider().replace(node, network, `${node.id}-r4`);
    const again = await provider().replace(node, network, `${node.id}-r4`);

    expect(again).toEqual(first);
    expect(first).toEqual({ providerRef: NEW_ID });
    const terminated = ec2.commandCalls(TerminateInstancesCommand).flatMap((c) => c.args[0].input.InstanceIds);
    expect(terminated).toEqual([OLD_ID, OLD_ID]);
  });

  it('launches anyway when the old instance is already gone', async () => {
    ec2.on(TerminateInstancesCommand).rejects(
      new EC2ServiceException({
        name: 'InvalidInstanceID.NotFound',
        $fault: 'client',
        message: `The instance ID '${OLD_ID}' does not exist`,
        $metadata: { httpStatusCode: 400 },
      }),
    );
    ec2.on(RunInstancesCommand).resolves({ ReservationId: 'r-02', Instances: [launched(NEW_ID)] });

    await expect(provider().replace(ec2Node(), network, 'node_bbbbbbbbbbbbbbbbbbbb-r4')).resolves.toEqual({
      providerRef: NEW_ID,
    });
  });

  it('reports a launch EC2 refuses as a named error, after the old instance was terminated', async () => {
    ec2.on(RunInstancesCommand).rejects(
      new EC2ServiceException({
        name: 'InvalidParameterValue',
        $fault: 'client',
        message: 'Invalid launch template',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(provider().replace(ec2Node(), network, 'node_bbbbbbbbbbbbbbbbbbbb-r4')).rejects.toThrow(UpstreamError);
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(1);
  });
});
