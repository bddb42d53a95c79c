/**
 * A network's genesis validators on EC2, from the operator's request to a peered validator set: keys made first,
 * instances launched by the reconciler, each validator's enode read from the validator itself, the network's
 * bootnodes following them, and every validator asked to keep every other as a peer (addresses are known only
 * once instances run). EC2 and Secrets Manager are mocked with their real answers; each "instance" is a small
 * Besu JSON-RPC stand-in listening on its own loopback address (127.0.0.2…5), answering admin_nodeInfo with the
 * enode of the key the control plane made for it and recording the admin calls it gets.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  EC2Client,
  type Instance,
  RunInstancesCommand,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkPeering } from '../../../functions/jobs/network-peering.ts';
import { NodeReconciler } from '../../../functions/jobs/node-reconciler.ts';
import { Ec2GenesisValidators } from '../../../functions/services/networks/genesis-validator-nodes.ts';
import { fleetNodeArtifacts } from '../../../shared/adapters/aws/besu-service.ts';
import { Ec2NodeProvider } from '../../../shared/adapters/aws/ec2-node-provider.ts';
import { SecretsManagerNodeKeys } from '../../../shared/adapters/aws/secrets-manager-node-keys.ts';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { nodeKeyIdentity } from '../../../shared/chain/besu/node-key.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { Network } from '../../../shared/domain/network.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { createLogger } from '../../../shared/observability/logger.ts';
import { ensureTable } from '../../../shared/store/create-table.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { fakeNodeKeySecrets, type StoredSecret } from '../../support/fake-node-key-secrets.ts';

const PREFIX = 'carechain/test/node-keys/';
const KMS_KEY = 'arn:aws:kms:eu-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ec2Client = new EC2Client({ region: 'eu-north-1' });
const secretsClient = new SecretsManagerClient({ region: 'eu-north-1' });
const ec2 = mockClient(ec2Client);
const secrets = mockClient(secretsClient);
const logger = createLogger({ level: 'silent' });

/** One instance's Besu: the enode it reports (at its public address) and the admin calls it got. */
interface FakeBesu {
  /** Its private address: where its JSON-RPC listens, and where fleet peers dial it. */
  readonly ip: string;
  enode: string;
  readonly calls: Array<{ method: string; enode: string }>;
  readonly server: Server;
}

let dynamo: EmbeddedDynamo;
let stores: ReturnType<typeof createStores>;
let stored: Map<string, StoredSecret>;
let network: Network;
let reconciler: NodeReconciler;
let rpcPort: number;
const instances = new Map<string, Instance>();
const besus = new Map<string, FakeBesu>();
/** The static nodes last published for each node (what its Besu fetches before its next start). */
const published = new Map<string, string>();

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** A Besu JSON-RPC stand-in on `ip`:rpcPort for the node whose key is stored under its id. */
async function startBesu(ip: string, nodeId: string): Promise<FakeBesu> {
  const key = nodeKeyIdentity((stored.get(`${PREFIX}${nodeId}`) as StoredSecret).value);
  const besu: FakeBesu = {
    ip,
    // Besu advertises the instance's public address (--p2p-host), for members' nodes outside the VPC.
    enode: `enode://${key.nodeId}@203.0.113.${ip.split('.')[3]}:30303`,
    calls: [],
    server: createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const call = JSON.parse(body) as { id: number; method: string; params: string[] };
        let result: unknown = true;
        if (call.method === 'admin_nodeInfo') result = { enode: besu.enode, id: key.nodeId };
        else besu.calls.push({ method: call.method, enode: call.params[0] as string });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, result }));
      });
    }),
  };
  await listen(besu.server, ip, rpcPort);
  return besu;
}

function fakeEc2() {
  ec2.on(RunInstancesCommand).callsFake(async (input: RunInstancesCommandInput) => {
    const nodeId = input.TagSpecifications?.[0]?.Tags?.find((t) => t.Key === 'carechain:node')?.Value as string;
    const ip = `127.0.0.${2 + instances.size}`;
    const id = `i-0${String(instances.size + 1).padStart(16, '0')}`;
    const launched: Instance = {
      InstanceId: id,
      InstanceType: 'm7g.xlarge',
      PrivateIpAddress: ip,
      State: { Code: 16, Name: 'running' },
      Tags: input.TagSpecifications?.[0]?.Tags ?? [],
    };
    instances.set(id, launched);
    besus.set(nodeId, await startBesu(ip, nodeId));
    return { ReservationId: 'r-0a1b2c3d', OwnerId: '123456789012', Instances: [launched] };
  });
  ec2.on(DescribeInstancesCommand).callsFake(async (input: DescribeInstancesCommandInput) => {
    const byTag = input.Filters?.find((f) => f.Name === 'tag:carechain:node')?.Values?.[0];
    const found = [...instances.values()].filter(
      (i) =>
        (input.InstanceIds === undefined || input.InstanceIds.includes(i.InstanceId as string)) &&
        (byTag === undefined || i.Tags?.some((t) => t.Key === 'carechain:node' && t.Value === byTag)),
    );
    return { Reservations: found.map((i) => ({ ReservationId: 'r-0a1b2c3d', Instances: [i] })) };
  });
}

async function validators(): Promise<NodeRecord[]> {
  return (await stores.nodes.listByNetwork(network.id)).sort((a, b) => a.name.localeCompare(b.name));
}

async function passesUntil(done: (nodes: NodeRecord[]) => boolean): Promise<NodeRecord[]> {
  for (let pass = 0; pass < 10; pass++) {
    await reconciler.reconcileAll();
    const nodes = await validators();
    if (done(nodes)) return nodes;
  }
  throw new Error(`not settled: ${JSON.stringify((await validators()).map((n) => [n.name, n.state, n.enode]))}`);
}

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo();
  await ensureTable(dynamo.client, 'carechain');
  stores = createStores(new Table(dynamo.client, 'carechain'));
  stored = fakeNodeKeySecrets(secrets);
  // Besu's JSON-RPC port on every instance: one that is free here (127.0.0.2…5 serve nothing else).
  const probe = createServer();
  rpcPort = await listen(probe, '127.0.0.2', 0);
  await new Promise((resolve) => probe.close(resolve));
  fakeEc2();

  const nodeKeys = new SecretsManagerNodeKeys({
    client: secretsClient,
    prefix: PREFIX,
    kmsKeyId: KMS_KEY,
    stage: 'test',
  });
  const genesis = new Ec2GenesisValidators({
    nodeKeys,
    nodes: stores.nodes,
    count: 4,
    size: 'medium',
    region: 'eu-north-1',
    clock: () => new Date(),
    logger,
  });
  const networkId = newId('network');
  const addresses = await genesis.create(networkId);
  network = await stores.networks.create({
    id: networkId,
    name: 'vardnatet',
    chainId: 1_337_960,
    consensus: 'qbft',
    blockPeriodSeconds: 2,
    validators: addresses,
    bootnodes: [],
    alloc: {},
    status: 'active',
    governanceAddress: undefined,
    createdAt: new Date().toISOString(),
    version: 1,
  });
  await genesis.start(network);

  const provider = new Ec2NodeProvider({
    client: ec2Client,
    launchTemplate: { id: 'lt-0123456789abcdef0', version: '$Default' },
    subnetIds: ['subnet-0aaaaaaaaaaaaaaa1'],
    renderArtifacts: fleetNodeArtifacts,
    nodeKeys,
    nodeKeySecretPrefix: PREFIX,
    stage: 'test',
    rpcPort,
  });
  reconciler = new NodeReconciler({
    nodes: stores.nodes,
    networks: stores.networks,
    audit: stores.audit,
    providers: { ec2: provider },
    logger,
    clock: () => new Date(),
    peering: new NetworkPeering({
      nodes: stores.nodes,
      networks: stores.networks,
      logger,
      staticNodes: {
        publishStaticNodes: async (nodeId, json) => {
          published.set(nodeId, json);
        },
      },
    }),
  });
});

afterAll(async () => {
  for (const besu of besus.values()) await new Promise((resolve) => besu.server.close(resolve));
  ec2.restore();
  secrets.restore();
  await dynamo?.close();
});

const addPeersOf = (besu: FakeBesu) => besu.calls.filter((c) => c.method === 'admin_addPeer').map((c) => c.enode);
/** How fleet peers reach it: its enode at its private address. */
const privately = (besu: FakeBesu, enode = besu.enode) => enode.replace(/@[^:]+:/, `@${besu.ip}:`);

describe('genesis validators on EC2', () => {
  it('launches them with the keys in the genesis, reads each enode from the node, and peers all four', async () => {
    const nodes = await passesUntil((all) => all.length === 4 && all.every((n) => n.state === 'running' && n.enode));

    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(4);
    for (const node of nodes) {
      const besu = besus.get(node.id) as FakeBesu;
      const key = nodeKeyIdentity((stored.get(`${PREFIX}${node.id}`) as StoredSecret).value);
      // What the node reported about itself, from the key the control plane made before its launch.
      expect(node).toMatchObject({ orgId: 'platform', enode: besu.enode, validatorAddress: key.address });
      expect(network.validators).toContain(key.address);
      // Asked to keep every other validator as a peer, at its private address (fleet peers are admitted by
      // security group, which holds only for private addresses).
      const others = [...besus.values()].filter((other) => other !== besu).map((other) => privately(other));
      expect(new Set(addPeersOf(besu))).toEqual(new Set(others));
    }
    // Members' nodes get the public enodes (bootnodes, join bundle); fleet nodes start with the private ones.
    const current = (await stores.networks.get(network.id)) as Network;
    expect([...current.bootnodes].sort()).toEqual([...besus.values()].map((besu) => besu.enode).sort());
    const fleetStatic = [...besus.values()].map((besu) => privately(besu)).sort();
    for (const node of nodes) expect(JSON.parse(published.get(node.id) as string).sort()).toEqual(fleetStatic);
  });

  it('follows a validator to a new address: bootnode replaced, the old address dropped by its peers', async () => {
    const [moved] = await validators();
    const besu = besus.get((moved as NodeRecord).id) as FakeBesu;
    const before = besu.enode;
    besu.enode = before.replace(':30303', ':30304');

    await passesUntil((all) => all.some((n) => n.enode === besu.enode));

    const current = (await stores.networks.get(network.id)) as Network;
    expect(current.bootnodes).toHaveLength(4);
    expect(current.bootnodes).toContain(besu.enode);
    expect(current.bootnodes).not.toContain(before);
    for (const node of await validators()) {
      if (node.hosting !== 'managed') continue;
      const statics = JSON.parse(published.get(node.id) as string) as string[];
      expect(statics).toContain(privately(besu));
      expect(statics).not.toContain(privately(besu, before));
    }
    for (const other of [...besus.values()].filter((b) => b !== besu)) {
      expect(other.calls).toEqual(
        expect.arrayContaining([
          { method: 'admin_removePeer', enode: privately(besu, before) },
          { method: 'admin_addPeer', enode: privately(besu) },
        ]),
      );
    }
  });

  it('connects a validator again when its health says it has too few peers', async () => {
    const [, short] = await validators();
    const besu = besus.get((short as NodeRecord).id) as FakeBesu;
    besu.calls.length = 0;
    const fresh = (await stores.nodes.get('platform', (short as NodeRecord).id)) as NodeRecord;
    await stores.nodes.annotate(fresh, {
      health: 'degraded',
      healthReason: 'Too few peers: fewer than 1 connected although the network has other nodes',
    });

    await reconciler.reconcileAll();

    const others = [...besus.values()].filter((other) => other !== besu).map((other) => privately(other));
    expect(new Set(addPeersOf(besu))).toEqual(new Set(others));
  });

  it('leaves members’ own nodes alone: no admin call reaches a self-hosted node', async () => {
    const memberBesu = await startBesu('127.0.0.9', (await validators())[0]?.id as string);
    const template = (await validators())[0];
    besus.set('self-hosted', memberBesu);
    const at = new Date().toISOString();
    // Two members' nodes whose RPC the platform may watch (their URLs lead to the stand-in on 127.0.0.9).
    const ownNode = (name: string, host: string) =>
      stores.nodes.create({
        ...(template as NodeRecord),
        id: newId('node'),
        orgId: newId('org'),
        name,
        role: 'member',
        hosting: 'self-hosted',
        runtime: 'external',
        state: 'running',
        enode: memberBesu.enode.replace(/@[^:]+:/, `@${host}:`),
        endpoints: { rpcUrl: `http://127.0.0.9:${rpcPort}`, p2pPort: undefined },
        providerRef: undefined,
        createdAt: at,
        updatedAt: at,
        stateChangedAt: at,
        version: 1,
      });
    const selfHosted = await ownNode('own-node-1', '198.51.100.7');
    await ownNode('own-node-2', '198.51.100.8');
    const peering = new NetworkPeering({ nodes: stores.nodes, networks: stores.networks, logger });

    expect(await peering.nodeReported(selfHosted, undefined)).toEqual({
      calls: 0,
      failures: 0,
      bootnodesChanged: false,
    });
    const [validator] = await validators();
    await peering.nodeReported(validator as NodeRecord, undefined);

    expect(memberBesu.calls).toEqual([]);
    const ec2Besu = besus.get((validator as NodeRecord).id) as FakeBesu;
    expect(addPeersOf(ec2Besu)).not.toContain(selfHosted.enode);
  });
});
