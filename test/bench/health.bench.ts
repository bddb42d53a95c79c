/**
 * Health monitor: the time of one probe cycle at the default concurrency (16) over 100, 1,000 and 5,000 nodes,
 * and how it grows. Nodes are records in an embedded DynamoDB pointing at a few lightweight JSON-RPC responders
 * (node:http on loopback answering eth_blockNumber, eth_syncing, net_peerCount, and Besu's /liveness and
 * /readiness); many records share a responder. The responders and the table run in a child process, as nodes
 * and DynamoDB are elsewhere in production, so the figures are the monitor's own. A cycle is what runs in
 * production: list the fleet, probe, write one sample per node. Figures: the first cycle (health recorded on
 * every node once), the median of the following ones (steady state), and the probes alone (no table writes).
 * Run with `npm run bench -- health` or `node --import tsx test/bench/health.bench.ts [sizes...]`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HealthMonitor } from '../../functions/jobs/health-monitor.ts';
import { HttpNodeProbe } from '../../shared/adapters/http/http-node-probe.ts';
import { startEmbeddedDynamo } from '../../shared/adapters/local/dynalite-server.ts';
import { newId } from '../../shared/domain/ids.ts';
import type { NodeRecord } from '../../shared/domain/node.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { ensureTable } from '../../shared/store/create-table.ts';
import { HealthRepository } from '../../shared/store/health.repository.ts';
import { createStores } from '../../shared/store/stores.ts';
import { Table } from '../../shared/store/table.ts';

const RESPONDERS = 4;
const STEADY_CYCLES = 2;

/** A JSON-RPC node stand-in: answers batches and single calls; its head moves every 2 s like a QBFT chain. */
function startResponder(): Promise<Server> {
  const answer = (call: { id?: unknown; method?: string }) => {
    const head = `0x${Math.floor(Date.now() / 2000).toString(16)}`;
    const result = call.method === 'eth_blockNumber' ? head : call.method === 'net_peerCount' ? '0x3' : false;
    return { jsonrpc: '2.0', id: call.id ?? null, result };
  };
  const server = createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"UP"}');
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const parsed = JSON.parse(body) as unknown;
      const reply = Array.isArray(parsed) ? parsed.map(answer) : answer(parsed as { id?: unknown });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export interface HealthBenchRow {
  readonly nodes: number;
  readonly firstCycleMs: number;
  readonly steadyCycleMs: number;
  readonly probesOnlyMs: number;
  readonly nodesPerSecond: number;
}

/** The child process: dynalite and the responders, until the parent closes its stdin. */
async function serve(): Promise<void> {
  const dynamo = await startEmbeddedDynamo();
  const responders = await Promise.all(Array.from({ length: RESPONDERS }, startResponder));
  const urls = responders.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
  process.stdout.write(`${JSON.stringify({ dynamo: dynamo.endpoint, responders: urls })}\n`);
  process.stdin.resume();
  await once(process.stdin, 'end');
  await Promise.all(responders.map((s) => new Promise((resolve) => s.close(resolve))));
  await dynamo.close();
}

async function startStandIns(): Promise<{ dynamo: string; responders: string[]; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the stand-in process exited (${code})`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n')[0];
      if (output.includes('\n') && line)
        resolve({ ...(JSON.parse(line) as { dynamo: string; responders: string[] }), child });
    });
  });
}

export async function run(sizes: readonly number[] = [100, 1_000, 5_000]): Promise<HealthBenchRow[]> {
  const standIns = await startStandIns();
  const client = new DynamoDBClient({
    endpoint: standIns.dynamo,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await ensureTable(client, 'carechain-bench');
    const clock = () => new Date();
    const table = new Table(client, 'carechain-bench', clock);
    const stores = createStores(table, clock);
    const health = new HealthRepository(table);
    const now = clock().toISOString();
    const network = await stores.networks.create({
      id: newId('network'),
      name: 'health-bench',
      chainId: 4_242_424,
      consensus: 'qbft',
      blockPeriodSeconds: 2,
      validators: ['0x00000000000000000000000000000000000000aa'],
      bootnodes: [],
      alloc: {},
      status: 'active',
      governanceAddress: undefined,
      createdAt: now,
      version: 1,
    });
    const urls = standIns.responders;
    const orgIds = Array.from({ length: 20 }, () => newId('org'));
    const rows: HealthBenchRow[] = [];
    let created = 0;

    for (const size of [...sizes].sort((a, b) => a - b)) {
      const batch: NodeRecord[] = [];
      for (; created < size; created++) {
        batch.push({
          id: newId('node'),
          orgId: orgIds[created % orgIds.length]!,
          networkId: network.id,
          name: `bench-${created}`,
          role: 'member',
          hosting: 'managed',
          size: 'small',
          region: 'eu-north-1',
          runtime: 'besu',
          state: 'running',
          desiredState: 'running',
          reason: undefined,
          endpoints: { rpcUrl: urls[created % urls.length], p2pPort: undefined },
          enode: undefined,
          validatorAddress: undefined,
          providerRef: undefined,
          createdAt: now,
          updatedAt: now,
          stateChangedAt: now,
          version: 1,
        });
      }
      for (let i = 0; i < batch.length; i += 32)
        await Promise.all(batch.slice(i, i + 32).map((n) => stores.nodes.create(n)));

      const monitor = new HealthMonitor({
        nodes: stores.nodes,
        networks: stores.networks,
        audit: stores.audit,
        health,
        providers: {},
        probe: new HttpNodeProbe({ memberPrivateAddresses: true }),
        logger: createLogger({ level: 'silent' }),
        clock,
      });
      const first = await monitor.runCycle();
      if (first.healthy !== size) throw new Error(`expected ${size} healthy nodes, got ${JSON.stringify(first)}`);
      const steady: number[] = [];
      for (let i = 0; i < STEADY_CYCLES; i++) steady.push((await monitor.runCycle()).durationMs);

      const fleet = await stores.nodes.listFleet();
      const probeStarted = performance.now();
      const queue = [...fleet];
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let node = queue.shift(); node; node = queue.shift()) await monitor.probe(node, 1);
        }),
      );
      const probesOnlyMs = Math.round(performance.now() - probeStarted);
      const steadyCycleMs = median(steady);
      rows.push({
        nodes: size,
        firstCycleMs: first.durationMs,
        steadyCycleMs,
        probesOnlyMs,
        nodesPerSecond: Math.round((size * 1000) / steadyCycleMs),
      });
    }

    const base = rows[0];
    process.stdout.write(
      [
        `one health cycle at concurrency 16 (${RESPONDERS} responders and an in-memory DynamoDB in another process, ` +
          `${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(1)} at the end):`,
        '   nodes | first cycle | steady cycle | probes only | nodes/s | steady vs smallest',
        ...rows.map((r) =>
          [
            String(r.nodes).padStart(8),
            `${r.firstCycleMs} ms`.padStart(11),
            `${r.steadyCycleMs} ms`.padStart(12),
            `${r.probesOnlyMs} ms`.padStart(11),
            String(r.nodesPerSecond).padStart(7),
            `${base ? (r.steadyCycleMs / base.steadyCycleMs).toFixed(1) : '1.0'}× for ${base ? (r.nodes / base.nodes).toFixed(0) : 1}× nodes`.padStart(
              19,
            ),
          ].join(' | '),
        ),
        '',
      ].join('\n'),
    );
    return rows;
  } finally {
    client.destroy();
    standIns.child.removeAllListeners('exit');
    standIns.child.stdin?.end();
    await once(standIns.child, 'exit');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv[2] === '--serve') {
    await serve();
  } else {
    const sizes = process.argv
      .slice(2)
      .map(Number)
      .filter((n) => n > 0);
    await run(sizes.length ? sizes : undefined);
  }
}
