/**
 * The governance Lambda runs one governance pass over the real table, wired from what governance needs alone: the
 * stores, the platform key in KMS and tenant sessions. A network whose nodes do not serve yet waits; a network no
 * longer active is not governed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGovernanceWatcherHandler } from '../../../functions/handlers/governance-watcher.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { aNetwork, aNode } from '../providers/node-fixtures.ts';
import { lambdaEnv, startTable, TABLE_NAME, tenantSessionClients } from './handler-fixtures.ts';

let dynamo: EmbeddedDynamo;

beforeAll(async () => {
  dynamo = await startTable();
});

afterAll(async () => {
  await dynamo.close();
});

describe('governance Lambda', () => {
  it('governs the active networks and waits where no node serves yet', async () => {
    const stores = createStores(new Table(dynamo.client, TABLE_NAME));
    const active = await stores.networks.create(aNetwork({ name: 'carechain-governed' }));
    await stores.nodes.create(aNode(active, { runtime: 'ec2', state: 'provisioning' }));
    await stores.networks.create(aNetwork({ name: 'carechain-retired', status: 'retired' }));
    const { clients } = tenantSessionClients(dynamo);

    const handler = createGovernanceWatcherHandler({
      env: lambdaEnv({ CARECHAIN_PLATFORM_KEY_ID: '0b3c6a2e-1111-2222-3333-444455556666' }),
      clients: { dynamodb: dynamo.client, ...clients },
    });

    expect(await handler()).toEqual({ networks: 1, waiting: 1, events: 0, settled: 0, failed: 0 });
    // The next scheduled pass reuses the container's wiring and reads the table afresh.
    await stores.networks.create(aNetwork({ name: 'carechain-second' }));
    expect(await handler()).toMatchObject({ networks: 2, waiting: 2, failed: 0 });
  });
});
