/**
 * The metering Lambda runs what the local metering worker runs, against a real table: the hourly metering run
 * and the billing grace job, which suspends an account past due beyond its grace period and stops its nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMeteringHandler } from '../../../functions/handlers/metering.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { aNetwork, aNode } from '../providers/node-fixtures.ts';
import { lambdaEnv, startTable, TABLE_NAME } from './handler-fixtures.ts';

let dynamo: EmbeddedDynamo;

beforeAll(async () => {
  dynamo = await startTable();
});

afterAll(async () => {
  await dynamo.close();
});

describe('metering Lambda', () => {
  it('runs the hourly metering and suspends an account past due beyond the grace period', async () => {
    const stores = createStores(new Table(dynamo.client, TABLE_NAME));
    const now = new Date();
    const monthAgo = new Date(now.getTime() - 30 * 86_400_000).toISOString();
    const node = await stores.nodes.create(
      aNode(aNetwork(), { runtime: 'ec2', state: 'running', stateChangedAt: monthAgo }),
    );
    await stores.billing.create({
      orgId: node.orgId,
      planId: 'managed-validator',
      state: 'past_due',
      customerId: 'cus_R4nD0mCu5t0m3r',
      subscriptionId: undefined,
      pastDueSince: monthAgo,
      nodeAction: undefined,
      nodeActionSince: undefined,
      createdAt: monthAgo,
      updatedAt: monthAgo,
    });

    const result = await createMeteringHandler({ env: lambdaEnv(), clients: { dynamodb: dynamo.client } })();

    expect(result.grace).toMatchObject({ suspended: [node.orgId], failed: 0 });
    expect(result.metering).toBeDefined();
    expect((await stores.billing.get(node.orgId))?.state).toBe('suspended');
    expect(await stores.nodes.get(node.orgId, node.id)).toMatchObject({
      desiredState: 'stopped',
      suspendedByBilling: true,
    });
  });
});
