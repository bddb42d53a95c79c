/**
 * Fleet passes read nodes from an index (GSI2), which can disagree with the table: in DynamoDB it lags behind, and
 * locally a write cut short by a crash can leave it ahead. Either way one pass still drives the node, from a
 * consistent read of its record, instead of failing its conditional write on every pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeReconciler } from '../../../functions/jobs/node-reconciler.ts';
import { HttpNodeProbe } from '../../../shared/adapters/http/http-node-probe.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { SelfHostedNodeProvider } from '../../../shared/adapters/self-hosted/self-hosted-node-provider.ts';
import type { Network } from '../../../shared/domain/network.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { createLogger } from '../../../shared/observability/logger.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { startTable, TABLE_NAME } from '../handlers/handler-fixtures.ts';
import { aNetwork, aNode } from '../providers/node-fixtures.ts';

let dynamo: EmbeddedDynamo;
let stores: ReturnType<typeof createStores>;
let network: Network;

beforeAll(async () => {
  dynamo = await startTable();
  stores = createStores(new Table(dynamo.client, TABLE_NAME));
  network = await stores.networks.create(aNetwork());
});
afterAll(() => dynamo.close());

/** A reconciler whose fleet listing answers `listing` instead of what the index holds now. */
function reconcilerListing(listing: () => NodeRecord[]) {
  const nodes = Object.create(stores.nodes) as typeof stores.nodes;
  nodes.listFleet = async () => listing();
  return new NodeReconciler({
    nodes,
    networks: stores.networks,
    audit: stores.audit,
    providers: {
      external: new SelfHostedNodeProvider(
        async () => network.chainId,
        new HttpNodeProbe({ memberPrivateAddresses: true }),
      ),
    },
    logger: createLogger({ level: 'silent' }),
    clock: () => new Date(),
  });
}

async function aSelfHostedNode(): Promise<NodeRecord> {
  return stores.nodes.create(
    aNode(network, { state: 'requested', hosting: 'self-hosted', runtime: 'external', providerRef: undefined }),
  );
}

describe('a fleet pass over a listing that disagrees with the table', () => {
  it('drives a node the listing shows in an older state', async () => {
    const node = await aSelfHostedNode();
    const listed = [node];
    // Someone else moved it on after the listing was read (or the index has not caught up yet).
    await stores.nodes.transition(node, 'provisioning');

    const report = await reconcilerListing(() => listed).reconcileAll();

    const after = await stores.nodes.get(node.orgId, node.id);
    expect(after?.state).toBe('running');
    expect(report).toMatchObject({ examined: 1, changed: 1, failed: 0 });
  });

  it('drives a node the listing shows ahead of the table, from the table’s state', async () => {
    const node = await aSelfHostedNode();
    // The index entry was written, the record itself was not: a write cut short.
    const ahead: NodeRecord = { ...node, state: 'starting', version: node.version + 1 };

    await reconcilerListing(() => [ahead]).reconcileAll();

    const after = await stores.nodes.get(node.orgId, node.id);
    expect(after?.state).toBe('running');
    const audit = await stores.audit.list(node.orgId);
    const steps = audit.items.filter((e) => e.target === node.id).map((e) => e.action);
    expect(steps).toEqual(expect.arrayContaining(['node.provisioning', 'node.starting', 'node.running']));
  });

  it('leaves a node the listing names but the table no longer holds', async () => {
    const node = await aSelfHostedNode();
    const ghost: NodeRecord = { ...node, id: `${node.id.slice(0, -4)}dead`, state: 'provisioning' };

    const report = await reconcilerListing(() => [ghost]).reconcileAll();

    expect(await stores.nodes.get(ghost.orgId, ghost.id)).toBeUndefined();
    expect(report).toMatchObject({ examined: 1, changed: 0, failed: 0 });
  });
});
