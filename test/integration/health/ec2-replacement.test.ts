/**
 * Recovery of an EC2 node end to end, on real parts where they exist: dynalite repositories, the health monitor
 * and the reconciler, an Ec2NodeProvider whose EC2 is aws-sdk-client-mock answering DescribeInstances,
 * RebootInstances, TerminateInstances and RunInstances like EC2 (instances with state, tags and a private
 * address), and the node's Besu played by a local JSON-RPC stand-in that stays down through the reboots and
 * serves again only once a new instance is launched. A fake clock drives the backoff, so nothing sleeps.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  EC2Client,
  type Instance,
  type InstanceStateName,
  RebootInstancesCommand,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  TerminateInstancesCommand,
  type TerminateInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HealthMonitor } from '../../../functions/jobs/health-monitor.ts';
import { NodeReconciler } from '../../../functions/jobs/node-reconciler.ts';
import { ec2ClientToken } from '../../../shared/adapters/aws/ec2-fleet.ts';
import { Ec2NodeProvider } from '../../../shared/adapters/aws/ec2-node-provider.ts';
import { HttpNodeProbe } from '../../../shared/adapters/http/http-node-probe.ts';
import { nodeKeyIdentity } from '../../../shared/chain/besu/node-key.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { Network } from '../../../shared/domain/network.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { createLogger } from '../../../shared/observability/logger.ts';
import { HealthRepository } from '../../../shared/store/health.repository.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';
import { aBackup, EC2_STATE_CODES } from '../../unit/providers/node-fixtures.ts';

let now = Date.parse('2026-05-04T08:00:00.000Z');
const clock = () => new Date(now);
const ec2 = mockClient(EC2Client);
let api: TestApi;
let health: HealthRepository;
let monitor: HealthMonitor;
let reconciler: NodeReconciler;
let network: Network;
let server: Server;
/** Whether the node's Besu answers; a new instance brings it back when `newInstanceServes`. */
let besuUp = false;
let newInstanceServes = true;
let head = 10;
const NODE_KEY = nodeKeyIdentity('0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63');
const NODE_ENODE = `enode://${NODE_KEY.nodeId}@10.0.1.9:30303`;
/** EC2's instances, as the mock answers for them. */
const instances = new Map<string, Instance>();
let launches = 0;

function instance(id: string, nodeId: string, state: InstanceStateName): Instance {
  return {
    InstanceId: id,
    InstanceType: 'm7g.large',
    ImageId: 'ami-0f1e2d3c4b5a69788',
    LaunchTime: new Date(now),
    PrivateIpAddress: '127.0.0.1',
    State: { Code: EC2_STATE_CODES[state], Name: state },
    Tags: [
      { Key: 'carechain:node', Value: nodeId },
      { Key: 'carechain:network', Value: network.id },
    ],
  };
}

function setState(id: string, state: InstanceStateName) {
  const current = instances.get(id);
  if (current) instances.set(id, { ...current, State: { Code: EC2_STATE_CODES[state], Name: state } });
}

function fakeEc2() {
  ec2.reset();
  ec2.on(DescribeInstancesCommand).callsFake(async (input: DescribeInstancesCommandInput) => {
    const byTag = input.Filters?.find((f) => f.Name === 'tag:carechain:node')?.Values?.[0];
    const live = input.Filters?.find((f) => f.Name === 'instance-state-name')?.Values;
    const found = [...instances.values()].filter(
      (i) =>
        (input.InstanceIds === undefined || input.InstanceIds.includes(i.InstanceId as string)) &&
        (byTag === undefined || i.Tags?.some((t) => t.Key === 'carechain:node' && t.Value === byTag)) &&
        (live === undefined || live.includes(i.State?.Name as string)),
    );
    return {
      Reservations: found.map((i, n) => ({ ReservationId: `r-0${n}`, OwnerId: '123456789012', Instances: [i] })),
    };
  });
  // A reboot of an instance whose Besu is broken changes nothing.
  ec2.on(RebootInstancesCommand).resolves({});
  ec2.on(TerminateInstancesCommand).callsFake(async (input: TerminateInstancesCommandInput) => {
    for (const id of input.InstanceIds ?? []) setState(id, 'terminated');
    return {
      TerminatingInstances: (input.InstanceIds ?? []).map((id) => ({
        InstanceId: id,
        CurrentState: { Code: 32, Name: 'shutting-down' as const },
        PreviousState: { Code: 16, Name: 'running' as const },
      })),
    };
  });
  ec2.on(RunInstancesCommand).callsFake(async (input: RunInstancesCommandInput) => {
    const nodeId = input.TagSpecifications?.[0]?.Tags?.find((t) => t.Key === 'carechain:node')?.Value as string;
    const id = `i-0new${String(++launches).padStart(13, '0')}`;
    // Launched pending; running by the time anyone looks again.
    instances.set(id, instance(id, nodeId, 'pending'));
    setImmediate(() => setState(id, 'running'));
    besuUp = newInstanceServes;
    return { ReservationId: 'r-0new', OwnerId: '123456789012', Instances: [instances.get(id) as Instance] };
  });
}

/** Besu's JSON-RPC and health endpoints while up; every connection is dropped while down. */
function besuStandIn(): Server {
  return createServer((req, res) => {
    if (!besuUp) {
      req.socket.destroy();
      return;
    }
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"UP"}');
      return;
    }
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const parsed = JSON.parse(body) as { id: number; method: string } | { id: number; method: string }[];
      const calls = Array.isArray(parsed) ? parsed : [parsed];
      head++;
      const results: Record<string, unknown> = {
        eth_blockNumber: `0x${head.toString(16)}`,
        eth_syncing: false,
        net_peerCount: '0x1',
        // The node key the instance fetched at boot: the same on every instance of the node.
        admin_nodeInfo: {
          enode: NODE_ENODE,
          id: NODE_KEY.nodeId,
          name: 'besu/v25.10.0/linux-aarch_64/openjdk-java-21',
        },
      };
      const answers = calls.map((c) => ({ jsonrpc: '2.0', id: c.id, result: results[c.method] }));
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(Array.isArray(parsed) ? answers : answers[0]));
    });
  });
}

async function createEc2Node(): Promise<NodeRecord> {
  const { token } = await api.signup();
  const org = await api.createOrg(token, 'Replacement Hospital');
  const id = newId('node');
  const oldId = `i-0old${String(instances.size).padStart(13, '0')}`;
  instances.set(oldId, instance(oldId, id, 'running'));
  const at = clock().toISOString();
  return api.stores.nodes.create({
    id,
    orgId: org.id,
    networkId: network.id,
    name: 'validator-1',
    role: 'member',
    hosting: 'managed',
    size: 'small',
    region: 'eu-north-1',
    runtime: 'ec2',
    state: 'running',
    desiredState: 'running',
    reason: undefined,
    endpoints: { rpcUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, p2pPort: 30303 },
    enode: undefined,
    validatorAddress: undefined,
    providerRef: oldId,
    createdAt: at,
    updatedAt: at,
    stateChangedAt: at,
    version: 1,
  });
}

/** Monitor cycles one (fake) second apart until `done` holds for the node. */
async function cyclesUntil(node: NodeRecord, done: (n: NodeRecord) => boolean, max = 40): Promise<NodeRecord> {
  for (let i = 0; i < max; i++) {
    await monitor.runCycle();
    const current = (await api.stores.nodes.get(node.orgId, node.id)) as NodeRecord;
    if (done(current)) return current;
    now += 1_000;
  }
  throw new Error('the node never reached the expected state');
}

beforeAll(async () => {
  api = await startTestApi({ clock });
  network = (await api.stores.networks.get((await api.createNetwork()).id)) as Network;
  server = besuStandIn();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const provider = new Ec2NodeProvider({
    client: new EC2Client({ region: 'eu-north-1' }),
    launchTemplate: { id: 'lt-0123456789abcdef0', version: '3' },
    subnetIds: ['subnet-0aaaaaaaaaaaaaaa1'],
    renderArtifacts: () => ({ genesisJson: '{"config":{"chainId":1337}}', besuConfigToml: 'rpc-http-enabled=true\n' }),
    rpcPort: port,
    now: () => now,
  });
  const logger = createLogger({ level: 'silent' });
  health = new HealthRepository(api.table);
  const deps = { nodes: api.stores.nodes, networks: api.stores.networks, audit: api.stores.audit, logger, clock };
  monitor = new HealthMonitor({
    ...deps,
    health,
    providers: { ec2: provider },
    probe: new HttpNodeProbe({ memberPrivateAddresses: true }),
    probeTimeoutMs: 1_000,
    policy: { failureThreshold: 2, maxAttempts: 2, initialBackoffMs: 1_000, maxBackoffMs: 4_000 },
    backups: api.stores.backups,
  });
  reconciler = new NodeReconciler({ ...deps, providers: { ec2: provider } });
}, 60_000);

beforeEach(() => {
  fakeEc2();
  besuUp = true;
});

afterAll(async () => {
  ec2.restore();
  await new Promise((resolve) => server?.close(resolve));
  await api?.close();
});

describe('EC2 node recovery', () => {
  it('reboots, then replaces the instance, and the node is back to running and healthy on the new one', async () => {
    newInstanceServes = true;
    const node = await createEc2Node();
    const oldId = node.providerRef as string;
    await cyclesUntil(node, (n) => n.health === 'healthy');

    besuUp = false;
    const replacing = await cyclesUntil(node, (n) => n.state === 'starting');
    expect(replacing.reason).toBe('Replacing the instance after failed reboots');
    expect(replacing.providerRef).not.toBe(oldId);
    expect(ec2.commandCalls(RebootInstancesCommand).map((c) => c.args[0].input.InstanceIds)).toEqual([
      [oldId],
      [oldId],
    ]);
    expect(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds)).toEqual([[oldId]]);
    const [run] = ec2.commandCalls(RunInstancesCommand);
    expect(run?.args[0].input).toMatchObject({
      ClientToken: ec2ClientToken(node.id, `${node.id}-r3`),
      LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', Version: '3' },
      SubnetId: 'subnet-0aaaaaaaaaaaaaaa1',
    });

    // The reconciler's usual handling of a starting node: the new instance runs, so does the node.
    now += 1_000;
    await reconciler.reconcileById(node.orgId, node.id);
    const back = await cyclesUntil(node, (n) => n.state === 'running' && n.health === 'healthy');
    expect(back.providerRef).toBe(replacing.providerRef);
    // What the node reports about itself (admin_nodeInfo), not something the control plane put together.
    expect(back).toMatchObject({ enode: NODE_ENODE, validatorAddress: NODE_KEY.address });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(1);

    const samples = await health.allSamples(node.id, node.createdAt, new Date(now + 1_000).toISOString());
    expect(samples.filter((s) => s.recovery).map((s) => s.recovery)).toEqual([
      { attempt: 1, outcome: 'requested' },
      { attempt: 2, outcome: 'requested' },
      { attempt: 3, outcome: 'requested', action: 'replace' },
    ]);
    const audit = (await api.stores.audit.list(node.orgId, { limit: 100 })).items.reverse();
    const events = audit.filter((e) => e.target === node.id);
    // Events of one probe share its (fake) second, so their order within it is the store's; compare by time.
    expect(events.map((e) => e.action).sort()).toEqual(
      [
        'node.health-changed', // healthy
        'node.health-changed', // unhealthy
        'node.degraded',
        'node.restart-attempted',
        'node.restart-attempted',
        'node.starting',
        'node.replaced',
        'node.running', // the reconciler
        'node.health-changed', // healthy again
      ].sort(),
    );
    const at = (action: string) => events.filter((e) => e.action === action).map((e) => Date.parse(e.at));
    expect(Math.min(...at('node.replaced'))).toBeGreaterThan(Math.max(...at('node.restart-attempted')));
    expect(at('node.starting')).toEqual(at('node.replaced'));
    expect(Math.min(...at('node.running'))).toBeGreaterThan(Math.max(...at('node.replaced')));
    expect(events.find((e) => e.action === 'node.replaced')?.details).toMatchObject({
      attempt: 3,
      previousProviderRef: oldId,
      providerRef: replacing.providerRef,
    });
  });

  it('marks the node failed, with a reason, when the replacement does not come back either', async () => {
    newInstanceServes = false;
    const node = await createEc2Node();
    await cyclesUntil(node, (n) => n.health === 'healthy');

    besuUp = false;
    await cyclesUntil(node, (n) => n.state === 'starting');
    now += 1_000;
    await reconciler.reconcileById(node.orgId, node.id);
    const failed = await cyclesUntil(node, (n) => n.state === 'failed');

    expect(failed.reason).toMatch(
      /^The node stopped answering and did not come back after 2 reboots and a replacement of its instance/,
    );
    // The first test's node shares the stand-in and is being recovered too: only this node's launches count.
    const launchesOfNode = ec2
      .commandCalls(RunInstancesCommand)
      .filter((c) => c.args[0].input.TagSpecifications?.[0]?.Tags?.some((t) => t.Value === node.id));
    expect(launchesOfNode).toHaveLength(1);
    const actions = (await api.stores.audit.list(node.orgId, { limit: 100 })).items.map((e) => e.action);
    expect(actions).toContain('node.replaced');
    expect(actions[0]).toBe('node.failed');
  });

  it('leaves a node a running backup took down to the backup, and recovers it as usual once the backup is done', async () => {
    const node = await createEc2Node();
    const instanceId = node.providerRef as string;
    await cyclesUntil(node, (n) => n.health === 'healthy');
    const since = new Date(now).toISOString();
    const deadline = new Date(now + 600_000).toISOString();
    const backup = await api.stores.backups.createBackup(
      aBackup(node, { state: 'running', progress: { phase: 'archiving', since, deadline } }),
    );
    const rebootsOfNode = () =>
      ec2.commandCalls(RebootInstancesCommand).filter((c) => c.args[0].input.InstanceIds?.includes(instanceId));

    // Besu is down while the instance's archive step runs: unhealthy, but nothing is rebooted or replaced.
    besuUp = false;
    await cyclesUntil(node, (n) => n.health === 'unhealthy');
    for (let i = 0; i < 6; i++) {
      now += 1_000;
      await monitor.runCycle();
    }
    expect(rebootsOfNode()).toHaveLength(0);
    // The other tests' nodes share the stand-in and are recovered meanwhile: only this node's launches count.
    const launchesOfNode = ec2
      .commandCalls(RunInstancesCommand)
      .filter((c) => c.args[0].input.TagSpecifications?.[0]?.Tags?.some((t) => t.Value === node.id));
    expect(launchesOfNode).toHaveLength(0);

    const { progress: _done, ...rest } = backup;
    await api.stores.backups.updateBackup(backup, { ...rest, state: 'completed' });
    await cyclesUntil(node, () => rebootsOfNode().length > 0);
  });
});
