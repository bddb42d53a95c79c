/**
 * What the monitor asks a node and how it reads the answers, against real HTTP servers on loopback standing in
 * for Besu nodes: one JSON-RPC batch, `net_peerCount` only where peers are expected, Besu's `/liveness` and
 * `/readiness?minPeers=&maxBlocksBehind=`, and the failures a node can show (HTTP errors, silence, nonsense).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthMonitor } from '../../../functions/jobs/health-monitor.ts';
import { HttpNodeProbe } from '../../../shared/adapters/http/http-node-probe.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { NodeRecord, NodeRuntime } from '../../../shared/domain/node.ts';
import { createLogger } from '../../../shared/observability/logger.ts';
import { HealthRepository } from '../../../shared/store/health.repository.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

interface Behaviour {
  status?: number;
  /** Never answer (the probe must time out). */
  silent?: boolean;
  body?: (calls: Array<{ id: number; method: string }>) => unknown;
  readiness?: number;
  liveness?: number;
}

interface StandIn {
  readonly url: string;
  readonly server: Server;
  readonly seen: string[];
  behaviour: Behaviour;
}

const standard = (calls: Array<{ id: number; method: string }>) =>
  calls.map((c) => ({
    jsonrpc: '2.0',
    id: c.id,
    result: c.method === 'eth_blockNumber' ? '0x64' : c.method === 'net_peerCount' ? '0x2' : false,
  }));

async function standIn(): Promise<StandIn> {
  const seen: string[] = [];
  const entry = { seen, behaviour: {} as Behaviour } as StandIn;
  const server = createServer((req: IncomingMessage, res) => {
    const b = entry.behaviour;
    if (b.silent) return; // hold the connection open, answer nothing
    if (req.method === 'GET') {
      seen.push(`GET ${req.url}`);
      const status = req.url?.startsWith('/liveness') ? (b.liveness ?? 200) : (b.readiness ?? 200);
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"status":"UP"}');
      return;
    }
    let raw = '';
    req.on('data', (chunk: Buffer) => {
      raw += chunk.toString();
    });
    req.on('end', () => {
      const calls = JSON.parse(raw) as Array<{ id: number; method: string }>;
      seen.push(`POST ${calls.map((c) => c.method).join(',')}`);
      res
        .writeHead(b.status ?? 200, { 'content-type': 'application/json' })
        .end(JSON.stringify((b.body ?? standard)(calls)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  Object.assign(entry, { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  return entry;
}

let api: TestApi;
let monitor: HealthMonitor;
let networkId: string;
let orgId: string;
const standIns: StandIn[] = [];

function record(url: string, runtime: NodeRuntime, network = networkId): NodeRecord {
  const now = new Date().toISOString();
  return {
    id: newId('node'),
    orgId,
    networkId: network,
    name: 'n',
    role: 'member',
    hosting: 'self-hosted',
    size: 'small',
    region: 'eu-north-1',
    runtime,
    state: 'running',
    desiredState: 'running',
    reason: undefined,
    endpoints: { rpcUrl: url, p2pPort: undefined },
    enode: undefined,
    validatorAddress: undefined,
    providerRef: undefined,
    createdAt: now,
    updatedAt: now,
    stateChangedAt: now,
    version: 1,
  };
}

beforeAll(async () => {
  api = await startTestApi();
  const { token } = await api.signup();
  orgId = (await api.createOrg(token)).id;
  networkId = (await api.createNetwork()).id;
  monitor = new HealthMonitor({
    nodes: api.stores.nodes,
    networks: api.stores.networks,
    audit: api.stores.audit,
    health: new HealthRepository(api.table),
    providers: {},
    probe: new HttpNodeProbe({ memberPrivateAddresses: true }),
    logger: createLogger({ level: 'silent' }),
    clock: () => new Date(),
    probeTimeoutMs: 300,
  });
  for (let i = 0; i < 3; i++) standIns.push(await standIn());
}, 60_000);

afterAll(async () => {
  for (const s of standIns) s.server.closeAllConnections();
  await Promise.all(standIns.map((s) => new Promise((resolve) => s.server.close(resolve))));
  await api?.close();
});

const check = (node: NodeRecord, minPeers = 0) => monitor.checkNode(node, { blockPeriodSeconds: 2, minPeers });

describe('probes', () => {
  it('asks a Besu node one batch plus /liveness and /readiness with the peers and lag it must meet', async () => {
    const [a] = standIns;
    a!.seen.length = 0;
    const { sample } = await check(record(a!.url, 'besu'), 1);
    expect(sample).toMatchObject({
      health: 'healthy',
      blockNumber: 100,
      peerCount: 2,
      liveness: 'up',
      readiness: 'up',
    });
    expect([...a!.seen].sort()).toEqual([
      'GET /liveness',
      'GET /readiness?minPeers=1&maxBlocksBehind=2',
      'POST eth_blockNumber,eth_syncing,net_peerCount',
    ]);
  });

  it('asks an anvil endpoint neither for peers nor for Besu’s endpoints', async () => {
    const [a] = standIns;
    a!.seen.length = 0;
    await check(record(a!.url, 'anvil'));
    expect(a!.seen).toEqual(['POST eth_blockNumber,eth_syncing']);
  });

  it('expects peers only of Besu nodes in a network with more than one serving node', async () => {
    const [a, b] = standIns;
    const lonelyNetwork = (await api.createNetwork()).id;
    await api.stores.nodes.create(record(a!.url, 'besu', lonelyNetwork));
    const pairNetwork = (await api.createNetwork()).id;
    await api.stores.nodes.create(record(b!.url, 'besu', pairNetwork));
    await api.stores.nodes.create(record(b!.url, 'besu', pairNetwork));
    a!.seen.length = 0;
    b!.seen.length = 0;
    await monitor.runCycle();
    expect(a!.seen.filter((s) => s.startsWith('POST'))).toContain('POST eth_blockNumber,eth_syncing');
    expect(a!.seen).toContain('GET /readiness?minPeers=0&maxBlocksBehind=2');
    expect(b!.seen.filter((s) => s.startsWith('POST'))).toEqual([
      'POST eth_blockNumber,eth_syncing,net_peerCount',
      'POST eth_blockNumber,eth_syncing,net_peerCount',
    ]);
  });

  it.each([
    {
      case: 'an HTTP error',
      behaviour: { status: 503 },
      health: 'unhealthy',
      reason: 'The node does not answer JSON-RPC (HTTP 503)',
    },
    {
      case: 'silence',
      behaviour: { silent: true },
      health: 'unhealthy',
      reason: 'The node does not answer JSON-RPC (no answer within 300 ms)',
    },
    {
      case: 'an answer that is not a batch',
      behaviour: { body: () => ({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'no batches' } }) },
      health: 'unhealthy',
      reason: 'The node does not answer JSON-RPC (the answer to a batch was not a batch)',
    },
    {
      case: 'a JSON-RPC error for eth_blockNumber',
      behaviour: {
        body: (calls: Array<{ id: number }>) =>
          calls.map((c) => ({ jsonrpc: '2.0', id: c.id, error: { code: -32000, message: 'database closed' } })),
      },
      health: 'unhealthy',
      reason: 'The node does not answer JSON-RPC (eth_blockNumber: database closed)',
    },
    {
      case: 'Besu saying it is not live',
      behaviour: { liveness: 503 },
      health: 'unhealthy',
      reason: 'Besu reports it is not live (GET /liveness)',
    },
    {
      case: 'Besu saying it is not ready',
      behaviour: { readiness: 503 },
      health: 'degraded',
      reason: 'Besu reports it is not ready (too few peers or too far behind)',
    },
    {
      case: 'a syncing node',
      behaviour: {
        body: (calls: Array<{ id: number; method: string }>) =>
          calls.map((c) => ({
            jsonrpc: '2.0',
            id: c.id,
            result:
              c.method === 'eth_syncing'
                ? { startingBlock: '0x0', currentBlock: '0x64', highestBlock: '0x400' }
                : '0x64',
          })),
      },
      health: 'degraded',
      reason: 'The node is syncing: its head is behind the network’s',
    },
  ])('reads $case as $health', async ({ behaviour, health, reason }) => {
    const c = standIns[2]!;
    c.behaviour = behaviour;
    try {
      const { sample } = await check(record(c.url, 'besu'));
      expect(sample.health).toBe(health);
      expect(sample.reason).toBe(reason);
    } finally {
      c.behaviour = {};
      c.server.closeAllConnections();
    }
  });

  it('does not count a keep-alive connection the node closed between probes as a failure', async () => {
    const [a] = standIns;
    for (let i = 0; i < 5; i++) {
      a!.server.closeAllConnections();
      const { sample } = await check(record(a!.url, 'besu'));
      expect(sample.health).toBe('healthy');
    }
  });

  it('reads a refused connection as a node that does not answer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const { sample } = await check(record(`http://127.0.0.1:${port}`, 'besu'));
    expect(sample).toMatchObject({
      health: 'unhealthy',
      rpcOk: false,
      liveness: 'unreachable',
      readiness: 'unreachable',
    });
    expect(sample.reason).toBe('The node does not answer JSON-RPC (connection refused)');
  });
});
