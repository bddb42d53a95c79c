/**
 * Ec2NodeProvider against aws-sdk-client-mock with realistic EC2 responses: the RunInstances request (token, tags,
 * type, template, user data that starts Besu), state mapping, eventual consistency, paginated inventory that fails
 * whole, and idempotent termination.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  type Instance,
  type InstanceStateName,
  RunInstancesCommand,
  StartInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ec2ClientToken } from '../../../shared/adapters/aws/ec2-fleet.ts';
import { Ec2NodeProvider } from '../../../shared/adapters/aws/ec2-node-provider.ts';
import { nodeKeyIdentity } from '../../../shared/chain/besu/node-key.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { InvalidStateError, UpstreamError, ValidationError } from '../../../shared/errors.ts';
import type { NodeArtifacts } from '../../../shared/ports/node-provider.ts';
import { aNetwork, aNode } from './node-fixtures.ts';

const ec2 = mockClient(EC2Client);
const client = new EC2Client({ region: 'eu-north-1' });
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const INSTANCE_ID = 'i-0a1b2c3d4e5f60718';
const network = aNetwork({ id: 'net_aaaaaaaaaaaaaaaaaaaa' });
const ARTIFACTS: NodeArtifacts = {
  genesisJson: JSON.stringify({ config: { chainId: 1_337_777, zeroBaseFee: true, qbft: {} }, alloc: {} }, null, 2),
  besuConfigToml: 'data-path="/var/lib/besu"\nrpc-http-enabled=true\nmin-gas-price=0\n',
  staticNodesJson: '["enode://ab@10.0.1.5:30303"]',
};

function provider(): Ec2NodeProvider {
  return new Ec2NodeProvider({
    client,
    launchTemplate: { id: 'lt-0123456789abcdef0', version: '4' },
    now: () => NOW,
  });
}

function ec2Node(overrides: Partial<NodeRecord> = {}): NodeRecord {
  return aNode(network, {
    id: 'node_bbbbbbbbbbbbbbbbbbbb',
    orgId: 'org_cccccccccccccccccccc',
    runtime: 'ec2',
    size: 'medium',
    providerRef: INSTANCE_ID,
    state: 'running',
    stateChangedAt: '2026-03-01T11:00:00.000Z',
    ...overrides,
  });
}

function instance(state: InstanceStateName, overrides: Partial<Instance> = {}): Instance {
  return {
    InstanceId: INSTANCE_ID,
    InstanceType: 'm7g.xlarge',
    ImageId: 'ami-0f1e2d3c4b5a69788',
    LaunchTime: new Date('2026-03-01T11:00:05.000Z'),
    PrivateIpAddress: '10.0.1.23',
    State: {
      Code: { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 }[state],
      Name: state,
    },
    Tags: [
      { Key: 'carechain:node', Value: 'node_bbbbbbbbbbbbbbbbbbbb' },
      { Key: 'carechain:org', Value: 'org_cccccccccccccccccccc' },
      { Key: 'carechain:network', Value: network.id },
      { Key: 'Name', Value: 'carechain-karolinska-1' },
    ],
    ...overrides,
  };
}

function reservations(...instances: Instance[]) {
  return {
    Reservations: instances.map((item, index) => ({
      ReservationId: `r-0${index}`,
      OwnerId: '123456789012',
      Instances: [item],
    })),
  };
}

function ec2Error(code: string, message: string): EC2ServiceException {
  return new EC2ServiceException({ name: code, $fault: 'client', message, $metadata: { httpStatusCode: 400 } });
}

beforeEach(() => {
  ec2.reset();
});

afterEach(() => {
  ec2.reset();
});

describe('Ec2NodeProvider.provision', () => {
  it('launches one instance from the fleet template with a deterministic token, tags and the size type', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(RunInstancesCommand).resolves({ Instances: [instance('pending')], ReservationId: 'r-00' });
    const node = ec2Node({ providerRef: undefined, state: 'provisioning' });

    const result = await provider().provision({ node, network, clientToken: 'attempt-1', artifacts: ARTIFACTS });

    expect(result).toEqual({ providerRef: INSTANCE_ID });
    const [call] = ec2.commandCalls(RunInstancesCommand);
    const input = call!.args[0].input;
    expect(input).toMatchObject({
      LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', Version: '4' },
      InstanceType: 'm7g.xlarge',
      MinCount: 1,
      MaxCount: 1,
      ClientToken: ec2ClientToken(node.id, 'attempt-1'),
    });
    expect(input.ClientToken!.length).toBeLessThanOrEqual(64);
    const tags = [
      { Key: 'Name', Value: 'carechain-karolinska-1' },
      { Key: 'carechain:org', Value: node.orgId },
      { Key: 'carechain:node', Value: node.id },
      { Key: 'carechain:network', Value: network.id },
    ];
    expect(input.TagSpecifications).toEqual([
      { ResourceType: 'instance', Tags: tags },
      { ResourceType: 'volume', Tags: tags },
    ]);
  });

  it('sends user data that writes the network files and starts Besu under systemd', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(RunInstancesCommand).resolves({ Instances: [instance('pending')] });

    await provider().provision({ node: ec2Node(), network, clientToken: 't', artifacts: ARTIFACTS });

    const script = Buffer.from(ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input.UserData!, 'base64').toString();
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).toContain(`cat > /etc/besu/genesis.json <<'CARECHAIN_FILE_END'\n${ARTIFACTS.genesisJson}\n`);
    expect(script).toContain(`cat > /etc/besu/config.toml <<'CARECHAIN_FILE_END'\n${ARTIFACTS.besuConfigToml}`);
    expect(script).toContain(ARTIFACTS.staticNodesJson);
    expect(script).toMatch(/ExecStart=\/opt\/besu\/bin\/besu --config-file=\/etc\/besu\/config.toml/);
    expect(script).toContain('systemctl enable --now besu.service');
    execFileSync('bash', ['-n'], { input: script });
  });

  it('uses the same token for a repeated request and a new one for a replacement', () => {
    expect(ec2ClientToken('node_x', 'a')).toBe(ec2ClientToken('node_x', 'a'));
    expect(ec2ClientToken('node_x', 'b')).not.toBe(ec2ClientToken('node_x', 'a'));
    expect(ec2ClientToken('node_y', 'a')).not.toBe(ec2ClientToken('node_x', 'a'));
  });

  it('returns the live instance already tagged with the node instead of launching another', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations(instance('running')));

    const result = await provider().provision({ node: ec2Node(), network, clientToken: 't', artifacts: ARTIFACTS });

    expect(result).toEqual({ providerRef: INSTANCE_ID });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.Filters).toEqual([
      { Name: 'tag:carechain:node', Values: ['node_bbbbbbbbbbbbbbbbbbbb'] },
      { Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] },
    ]);
  });

  it('refuses a node without its Besu files, or with files too large for user data, before calling EC2', async () => {
    const node = ec2Node();
    await expect(provider().provision({ node, network, clientToken: 't' })).rejects.toThrow(ValidationError);
    const huge = { ...ARTIFACTS, genesisJson: `{"extra":"${'a'.repeat(17_000)}"}` };
    await expect(provider().provision({ node, network, clientToken: 't', artifacts: huge })).rejects.toThrow(
      ValidationError,
    );
    expect(ec2.calls()).toHaveLength(0);
  });
});

/** A provider whose instance runs, with Besu's JSON-RPC on 127.0.0.1:`rpcPort` (where the test serves it, or not). */
function runningOnLoopback(rpcPort: number): Ec2NodeProvider {
  ec2
    .on(DescribeInstancesCommand, { InstanceIds: [INSTANCE_ID] })
    .resolves(reservations(instance('running', { PrivateIpAddress: '127.0.0.1' })));
  return new Ec2NodeProvider({ client, launchTemplate: { id: 'lt-0123456789abcdef0', version: '4' }, rpcPort });
}

describe('Ec2NodeProvider.describe', () => {
  it.each([
    ['pending', 'pending'],
    ['running', 'running'],
    ['stopping', 'stopping'],
    ['stopped', 'stopped'],
    ['shutting-down', 'terminating'],
    ['terminated', 'terminated'],
  ] as const)('maps the EC2 state %s to %s', async (state, status) => {
    ec2.on(DescribeInstancesCommand, { InstanceIds: [INSTANCE_ID] }).resolves(reservations(instance(state)));

    const description = await provider().describe(ec2Node());

    expect(description.status).toBe(status);
    expect(description.sharedChain).toBe(false);
    expect(description.enode).toBeUndefined();
    if (status === 'running') {
      expect(description).toMatchObject({ rpcUrl: 'http://10.0.1.23:8545', p2pPort: 30303 });
    } else {
      expect(description.rpcUrl).toBeUndefined();
    }
  });

  it('reads the enode and node address a running node reports about itself (admin_nodeInfo)', async () => {
    const key = nodeKeyIdentity('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
    const enode = `enode://${key.nodeId}@10.0.1.23:30303?discport=30303`;
    const calls: string[] = [];
    const besu = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const call = JSON.parse(body) as { id: number; method: string };
        calls.push(call.method);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, result: { enode, id: key.nodeId } }));
      });
    });
    await new Promise<void>((resolve) => besu.listen(0, '127.0.0.1', resolve));
    try {
      const port = (besu.address() as AddressInfo).port;

      const description = await runningOnLoopback(port).describe(ec2Node());

      expect(calls).toEqual(['admin_nodeInfo']);
      expect(description).toMatchObject({
        status: 'running',
        rpcUrl: `http://127.0.0.1:${port}`,
        enode,
        validatorAddress: key.address,
      });
    } finally {
      await new Promise((resolve) => besu.close(resolve));
    }
  });

  it('says a running node has not reported its enode while Besu does not answer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const description = await runningOnLoopback(port).describe(ec2Node());

    expect(description.status).toBe('running');
    expect(description.enode).toBeUndefined();
    expect(description.detail).toMatch(/has not reported its enode yet \(admin_nodeInfo\)/);
  });

  it('reports an instance id EC2 does not list yet as pending right after a launch, and as missing later', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejects(ec2Error('InvalidInstanceID.NotFound', `The instance ID '${INSTANCE_ID}' does not exist`));

    const justLaunched = ec2Node({ state: 'provisioning', stateChangedAt: new Date(NOW - 10_000).toISOString() });
    const longAgo = ec2Node({ state: 'running', stateChangedAt: new Date(NOW - 3_600_000).toISOString() });

    expect((await provider().describe(justLaunched)).status).toBe('pending');
    expect((await provider().describe(longAgo)).status).toBe('missing');
  });

  it('does not take an instance tagged for another node as this node', async () => {
    const foreign = instance('running', { Tags: [{ Key: 'carechain:node', Value: 'node_dddddddddddddddddddd' }] });
    ec2.on(DescribeInstancesCommand).resolves(reservations(foreign));

    expect((await provider().describe(ec2Node())).status).toBe('missing');
  });

  it('surfaces any other EC2 failure as an upstream error', async () => {
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized'));

    await expect(provider().describe(ec2Node())).rejects.toThrow(UpstreamError);
  });
});

describe('Ec2NodeProvider.inventory', () => {
  it('lists live tagged instances across every page', async () => {
    const second = instance('stopped', {
      InstanceId: 'i-0fedcba9876543210',
      Tags: [{ Key: 'carechain:node', Value: 'node_eeeeeeeeeeeeeeeeeeee' }],
    });
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ ...reservations(instance('running')), NextToken: 'page-2' })
      .resolvesOnce(reservations(second));

    const items = await provider().inventory();

    expect(items).toEqual([
      {
        providerRef: INSTANCE_ID,
        nodeId: 'node_bbbbbbbbbbbbbbbbbbbb',
        networkId: network.id,
        orgId: 'org_cccccccccccccccccccc',
        status: 'running',
      },
      { providerRef: 'i-0fedcba9876543210', nodeId: 'node_eeeeeeeeeeeeeeeeeeee', status: 'stopped' },
    ]);
    const calls = ec2.commandCalls(DescribeInstancesCommand);
    expect(calls[0]!.args[0].input.Filters).toContainEqual({ Name: 'tag-key', Values: ['carechain:node'] });
    expect(calls[1]!.args[0].input.NextToken).toBe('page-2');
  });

  it('fails as a whole when a later page fails, so no orphan decision rests on a partial list', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ ...reservations(instance('running')), NextToken: 'page-2' })
      .rejectsOnce(ec2Error('InternalError', 'An internal error has occurred'));

    await expect(provider().inventory()).rejects.toThrow(UpstreamError);
  });
});

describe('Ec2NodeProvider lifecycle calls', () => {
  it('terminates idempotently: an instance EC2 no longer knows is already gone', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2
      .on(TerminateInstancesCommand)
      .rejects(ec2Error('InvalidInstanceID.NotFound', `The instance ID '${INSTANCE_ID}' does not exist`));

    await expect(provider().deprovision(ec2Node())).resolves.toBeUndefined();
  });

  it('terminates an already terminated instance without error', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(TerminateInstancesCommand).resolves({
      TerminatingInstances: [
        {
          InstanceId: INSTANCE_ID,
          CurrentState: { Code: 48, Name: 'terminated' },
          PreviousState: { Code: 48, Name: 'terminated' },
        },
      ],
    });

    await provider().deprovision(ec2Node());

    expect(ec2.commandCalls(TerminateInstancesCommand)[0]!.args[0].input).toEqual({ InstanceIds: [INSTANCE_ID] });
  });

  it('also terminates a tagged instance whose id was never recorded', async () => {
    const unrecorded = instance('running', { InstanceId: 'i-0999999999999999a' });
    ec2.on(DescribeInstancesCommand).resolves(reservations(unrecorded));
    ec2.on(TerminateInstancesCommand).resolves({ TerminatingInstances: [] });

    await provider().deprovision(ec2Node());

    const terminated = ec2.commandCalls(TerminateInstancesCommand).map((call) => call.args[0].input.InstanceIds);
    expect(terminated).toEqual([[INSTANCE_ID], ['i-0999999999999999a']]);
  });

  it('refuses to start an instance in a state that does not allow it', async () => {
    ec2
      .on(StartInstancesCommand)
      .rejects(
        ec2Error(
          'IncorrectInstanceState',
          `The instance '${INSTANCE_ID}' is not in a state from which it can be started.`,
        ),
      );

    await expect(provider().start(ec2Node())).rejects.toThrow(InvalidStateError);
  });
});
