/**
 * A local QBFT network for fleet-operations tests: four genesis validators the platform runs as stand-in Besu
 * processes (besu-stand-in.ts), the real API on dynalite with a network fleet over them, a reconciler to bring
 * managed member nodes up, and a record of every node start and stop the provider reports.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeReconciler } from '../../../functions/jobs/node-reconciler.ts';
import { NetworkFleet } from '../../../functions/services/fleet/network-fleet.ts';
import type { BesuNodeEvent } from '../../../shared/adapters/local/besu-node.ts';
import type { BesuNodeProvider } from '../../../shared/adapters/local/besu-node-provider.ts';
import { isProcessAlive } from '../../../shared/adapters/local/process-control.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { type NodeRecord, requestedNode } from '../../../shared/domain/node.ts';
import { startTestApi } from '../../support/test-api.ts';
import { aNetwork } from '../../unit/providers/node-fixtures.ts';
import { writeBesuStandIn } from '../providers/besu-stand-in.ts';
import { openTestBesuProvider, waitFor } from '../providers/besu-test-support.ts';

export type FleetTestNetwork = Awaited<ReturnType<typeof startFleetTestNetwork>>;

export async function startFleetTestNetwork(name: string, options: { readonly validators?: number } = {}) {
  const binDir = await mkdtemp(join(tmpdir(), 'carechain-besu-bin-'));
  const dataDir = await mkdtemp(join(tmpdir(), `carechain-${name}-`));
  const events: Array<BesuNodeEvent & { readonly at: number }> = [];
  const opened: BesuNodeProvider[] = [];
  const provider = await openTestBesuProvider(
    {
      dataDir,
      besuPath: await writeBesuStandIn(binDir),
      onEvent: (event) => events.push({ ...event, at: Date.now() }),
    },
    opened,
  );
  let fleet: NetworkFleet | undefined;
  const api = await startTestApi({
    extend: (stores) => {
      fleet = new NetworkFleet({
        stores,
        providers: { besu: provider },
        platformValidators: provider.platformValidators(),
      });
      return { fleet };
    },
  });
  const id = aNetwork().id;
  const validators = await provider.prepareGenesisValidators(id, options.validators ?? 4);
  const network: Network = await api.stores.networks.create(
    aNetwork({ id, name, chainId: 1_337_000 + Math.floor(Math.random() * 100_000), validators, blockPeriodSeconds: 1 }),
  );
  if (!(await provider.hostNetwork(network))) throw new Error('the network did not start on the stand-in');
  const reconciler = new NodeReconciler({
    nodes: api.stores.nodes,
    networks: api.stores.networks,
    audit: api.stores.audit,
    providers: { besu: provider },
    logger: api.deps.logger,
    clock: () => new Date(),
  });

  return {
    api,
    provider,
    network,
    dataDir,
    binDir,
    events,
    fleet: fleet as NetworkFleet,
    /** A managed Besu member node of `orgId` on the network, reconciled until it runs. */
    async memberNode(orgId: string, fields: Partial<NodeRecord> = {}): Promise<NodeRecord> {
      const node = requestedNode(
        {
          id: newId('node'),
          orgId,
          networkId: network.id,
          name: `member-${Math.random().toString(36).slice(2, 8)}`,
          role: 'member',
          hosting: 'managed',
          size: 'small',
          region: 'eu-north-1',
          runtime: 'besu',
          ...fields,
        },
        new Date().toISOString(),
      );
      await api.stores.nodes.create(node);
      return this.reconcileUntilRunning(node);
    },
    async reconcileUntilRunning(node: Pick<NodeRecord, 'orgId' | 'id'>): Promise<NodeRecord> {
      return waitFor(
        'the node to run',
        async () => {
          await reconciler.reconcileById(node.orgId, node.id);
          const current = await api.stores.nodes.get(node.orgId, node.id);
          return current?.state === 'running' && current.endpoints.rpcUrl ? current : undefined;
        },
        30_000,
      );
    },
    /** The events waiting in outboxes (written with the changes that raised them), before any recorder moved them. */
    async waitingEvents() {
      const keys = await api.stores.events.pendingRecordKeys();
      const records = await Promise.all(keys.map((key) => api.stores.events.readOutbox(key)));
      return records.flatMap((record) => record?.entries.map((entry) => entry.event) ?? []);
    },
    /** The genesis validator's data directory. */
    validatorDataDir(index: number): string {
      return join(dataDir, 'besu-genesis', network.id, `validator-${index}`, 'data');
    },
    async close(): Promise<void> {
      await Promise.allSettled(opened.map((p) => p.close()));
      for (const event of events) {
        if ('pid' in event && isProcessAlive(event.pid)) process.kill(event.pid, 'SIGKILL');
      }
      await api.close();
      await rm(dataDir, { recursive: true, force: true });
      await rm(binDir, { recursive: true, force: true });
    },
  };
}
