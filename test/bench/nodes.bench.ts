/**
 * Node provisioning on the local runtime: time from POST to `running` for 1 node and for 10 nodes requested
 * together (median of rounds), and how many nodes per second the reconciler drives through their lifecycle.
 * Run with `npm run bench -- nodes`.
 */
import { pathToFileURL } from 'node:url';
import { newId } from '../../shared/domain/ids.ts';
import { startInProcessRuntime } from '../support/in-process-runtime.ts';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export async function run(rounds = 3) {
  const env = await startInProcessRuntime();
  try {
    const { token, orgId } = await env.user();
    const networks = await env.call('GET', '/v1/networks', { token });
    const networkId = networks.json.items[0].id as string;

    const provision = async (count: number) => {
      const started = performance.now();
      const ids = await Promise.all(
        Array.from({ length: count }, async () => {
          const res = await env.call('POST', `/v1/orgs/${orgId}/nodes`, { token, body: { networkId } });
          return res.json.id as string;
        }),
      );
      const times = await Promise.all(
        ids.map(async (id) => {
          await env.waitForNode(token, orgId, id, (n) => n.state === 'running');
          return performance.now() - started;
        }),
      );
      return { ids, times };
    };

    const single: number[] = [];
    const ten: number[] = [];
    const all: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const one = await provision(1);
      single.push(...one.times);
      const many = await provision(10);
      ten.push(Math.max(...many.times));
      all.push(...one.ids, ...many.ids);
    }

    // Reconciler throughput: records written straight to the table (no API kick), then passes until all run.
    // The runtime's own 3 s sweep may join in; a pass over 50 nodes ends well before it.
    const batch = 50;
    const now = new Date().toISOString();
    const seeded = Array.from({ length: batch }, (_, i) => ({
      id: newId('node'),
      orgId,
      networkId,
      name: `bulk-${i}`,
      role: 'member' as const,
      hosting: 'managed' as const,
      size: 'small' as const,
      region: 'eu-north-1',
      runtime: 'anvil' as const,
      state: 'requested' as const,
      desiredState: 'running' as const,
      reason: undefined,
      endpoints: { rpcUrl: undefined, p2pPort: undefined },
      enode: undefined,
      validatorAddress: undefined,
      providerRef: undefined,
      createdAt: now,
      updatedAt: now,
      stateChangedAt: now,
      version: 1,
    }));
    await env.runtime.idle();
    for (const node of seeded) await env.runtime.deps.stores.nodes.create(node);
    const reconcileStarted = performance.now();
    let passes = 0;
    const notRunning = async () =>
      (await env.runtime.deps.stores.nodes.listByOrg(orgId)).filter((n) => n.state !== 'running').length;
    while ((await notRunning()) > 0 && passes < 50) {
      await env.runtime.reconciler.reconcileAll({ concurrency: 8 });
      passes++;
    }
    const reconcileSeconds = (performance.now() - reconcileStarted) / 1000;
    all.push(...seeded.map((n) => n.id));

    const figures = {
      postToRunningOneNodeMedianMs: Math.round(median(single)),
      postToRunningTenNodesMedianMs: Math.round(median(ten)),
      reconcilerNodesPerSecond: Math.round(batch / reconcileSeconds),
      nodesDrivenInBench: all.length,
    };
    process.stdout.write(
      [
        `POST → running, 1 node:   median ${figures.postToRunningOneNodeMedianMs} ms over ${rounds} rounds`,
        `POST → running, 10 nodes: median ${figures.postToRunningTenNodesMedianMs} ms until all ten run`,
        `reconciler: ${figures.reconcilerNodesPerSecond} nodes/s requested → running (${batch} nodes, ${passes} passes)`,
        '',
      ].join('\n'),
    );
    return figures;
  } finally {
    await env.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
