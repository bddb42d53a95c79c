/**
 * The fleet-operations Lambda carries a rolling upgrade on EC2 nodes, built from its own environment like in AWS:
 * the table is real (dynalite), EC2 and S3 answer through aws-sdk-client-mock. The plan's step writes the node's
 * release to the node configuration bucket, reboots the instance and goes on to wait for the node to answer on the
 * new version (the runner's check, unchanged); EC2 refusing the reboot pauses the plan with the reason and raises the
 * `upgrade.paused` alert; without the bucket the plan pauses saying the runtime cannot change the node's release.
 */
import { DescribeInstancesCommand, EC2Client, RebootInstancesCommand } from '@aws-sdk/client-ec2';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFleetOperationsHandler } from '../../../functions/handlers/fleet-operations.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { planUpgrade } from '../../../shared/domain/rolling-upgrade.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { aNetwork, aNode, ec2Refusal } from '../providers/node-fixtures.ts';
import { lambdaEnv, OFFLINE_CREDENTIALS, REGION, startTable, TABLE_NAME } from './handler-fixtures.ts';

const ec2Client = new EC2Client({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const s3Client = new S3Client({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const ec2 = mockClient(ec2Client);
const s3 = mockClient(s3Client);
const BUCKET = 'carechain-test-node-config';
const SHA = 'e'.repeat(64);
let dynamo: EmbeddedDynamo;

beforeAll(async () => {
  dynamo = await startTable();
});
afterAll(async () => {
  await dynamo.close();
});
afterEach(() => {
  ec2.reset();
  s3.reset();
});

/** A network with one member's EC2 node and a running plan to Besu 26.6.0 for it. */
async function planned() {
  const stores = createStores(new Table(dynamo.client, TABLE_NAME));
  const network = await stores.networks.create(aNetwork({ name: `upgrade-${newId('network').slice(-8)}` }));
  const instanceId = `i-0${newId('node')
    .slice(-16)
    .replace(/[^0-9a-f]/g, 'a')}`;
  const node = await stores.nodes.create(
    aNode(network, {
      runtime: 'ec2',
      state: 'running',
      providerRef: instanceId,
      // Nothing listens on the discard port: the node does not answer yet.
      endpoints: { rpcUrl: 'http://127.0.0.1:9', p2pPort: 30303 },
    }),
  );
  const plan = await stores.upgrades.create(
    planUpgrade({
      id: newId('upgradePlan'),
      networkId: network.id,
      to: { version: '26.6.0', sha256: SHA },
      targets: [{ nodeId: node.id, name: node.name, kind: 'member', version: '25.10.0' }],
      at: new Date().toISOString(),
      createdBy: 'usr_operator',
    }),
  );
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [
      {
        Instances: [
          {
            InstanceId: instanceId,
            State: { Code: 16, Name: 'running' },
            PrivateIpAddress: '10.0.1.23',
            Tags: [{ Key: 'carechain:node', Value: node.id }],
          },
        ],
      },
    ],
  });
  s3.on(PutObjectCommand).resolves({ ETag: '"9b2cf535f27731c974343645a3985328"' });
  return { stores, network, node, plan, instanceId };
}

const handler = (env: Record<string, string>) =>
  createFleetOperationsHandler({
    env: lambdaEnv(env),
    clients: { dynamodb: dynamo.client, ec2: ec2Client, s3: s3Client },
  });

describe('fleet-operations Lambda: rolling upgrades on EC2', () => {
  it('writes the node’s release to the bucket, reboots its instance and waits for it on the new version', async () => {
    const { stores, network, node, instanceId } = await planned();
    ec2.on(RebootInstancesCommand).resolves({});
    await handler({ CARECHAIN_NODE_CONFIG_BUCKET: BUCKET })();
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put?.Bucket).toBe(BUCKET);
    expect(put?.Key).toBe(`nodes/${node.id}/besu-release.env`);
    expect(put?.Body).toContain(`BESU_VERSION=26.6.0\nBESU_SHA256=${SHA}\n`);
    expect(ec2.commandCalls(RebootInstancesCommand)[0]?.args[0].input).toEqual({ InstanceIds: [instanceId] });
    const plan = await stores.upgrades.active(network.id);
    expect(plan?.state).toBe('running');
    expect(plan?.steps[0]).toMatchObject({ state: 'verifying', attempts: 1 });
  });

  it('pauses the plan with EC2’s reason and raises upgrade.paused when the reboot is refused', async () => {
    const { stores, network } = await planned();
    ec2
      .on(RebootInstancesCommand)
      .rejects(ec2Refusal('IncorrectInstanceState', 'The instance is not in a state from which it can be rebooted.'));
    await handler({ CARECHAIN_NODE_CONFIG_BUCKET: BUCKET })();
    const plan = await stores.upgrades.active(network.id);
    expect(plan?.state).toBe('paused');
    expect(plan?.pausedReason).toContain('EC2 RebootInstances failed: IncorrectInstanceState');
    const alerts = await stores.audit.list('platform', { limit: 20 });
    expect(alerts.items.map((entry) => entry.action)).toContain('upgrade.paused');
  });

  it('without the node configuration bucket, pauses the plan saying the release cannot be changed here', async () => {
    const { stores, network } = await planned();
    await handler({})();
    const plan = await stores.upgrades.active(network.id);
    expect(plan?.state).toBe('paused');
    expect(plan?.pausedReason).toContain('Nodes of the ec2 runtime have no Besu release to change');
    expect(ec2.commandCalls(RebootInstancesCommand)).toHaveLength(0);
  });
});
