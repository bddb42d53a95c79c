/**
 * The monitor and SLA Lambdas are built like every handler: nothing at import, everything from the function's
 * environment on the first invocation (a failed start is tried again by the next one). EC2 is mocked with its real
 * answers; the table is real.
 */
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMonitorHandler } from '../../../functions/handlers/monitor.ts';
import { createSlaHandler } from '../../../functions/handlers/sla.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { ConfigError } from '../../../shared/config/config.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { aNetwork, aNode } from '../providers/node-fixtures.ts';
import { lambdaEnv, OFFLINE_CREDENTIALS, REGION, startTable, TABLE_NAME } from './handler-fixtures.ts';

const ec2Client = new EC2Client({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const ec2 = mockClient(ec2Client);
let dynamo: EmbeddedDynamo;

beforeAll(async () => {
  dynamo = await startTable();
});

afterAll(async () => {
  await dynamo.close();
});

afterEach(() => {
  ec2.reset();
  vi.restoreAllMocks();
});

describe('monitor Lambda', () => {
  it('runs a health cycle and logs the unhealthy count as a metric of its stage', async () => {
    const stores = createStores(new Table(dynamo.client, TABLE_NAME));
    const network = await stores.networks.create(aNetwork());
    // Nothing listens on the discard port: the probe fails.
    await stores.nodes.create(
      aNode(network, {
        runtime: 'ec2',
        state: 'running',
        providerRef: 'i-0a1b2c3d4e5f60718',
        endpoints: { rpcUrl: 'http://127.0.0.1:9', p2pPort: 30303 },
      }),
    );
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });

    const report = await createMonitorHandler({
      env: lambdaEnv(),
      clients: { dynamodb: dynamo.client, ec2: ec2Client },
    })({});

    expect(report.unhealthy).toBe(1);
    const metric = JSON.parse(written.find((line) => line.includes('"_aws"')) ?? '{}');
    expect(metric).toMatchObject({
      Stage: 'test',
      UnhealthyNodes: 1,
      _aws: { CloudWatchMetrics: [{ Namespace: 'CareChain', Metrics: [{ Name: 'UnhealthyNodes' }] }] },
    });
  });
});

describe('SLA Lambda', () => {
  it('refuses to run without a platform key, then runs once the table records one', async () => {
    const handler = createSlaHandler({ env: lambdaEnv(), clients: { dynamodb: dynamo.client } });

    const refusal = handler();
    await expect(refusal).rejects.toBeInstanceOf(ConfigError);
    await expect(refusal).rejects.toThrow(/CARECHAIN_PLATFORM_KEY_ID/);

    await createStores(new Table(dynamo.client, TABLE_NAME)).platform.claimSigningKey({
      keyRef: 'alias/carechain-test-platform',
      address: '0x0000000000000000000000000000000000000001',
      createdAt: new Date().toISOString(),
    });
    await expect(handler()).resolves.toMatchObject({ reports: 0 });
  });
});
