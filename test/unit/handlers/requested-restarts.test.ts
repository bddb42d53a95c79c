/**
 * An operator's restart of EC2 validators in AWS, where the API may not reboot instances: the API's fleet queues
 * `{ orgId, nodeId, action: 'restart', requestedAt }` on the provisioning queue (the send it already may do), and the
 * reconciler Lambda, which operates the fleet's instances, reboots each node's instance from the record it reads
 * afresh. A stale request, a member's self-hosted node or a node being removed is acknowledged and not restarted;
 * a reboot EC2 refuses comes back (batch item failure). SQS and EC2 answer through aws-sdk-client-mock; the table
 * is real (dynalite).
 */
import { EC2Client, RebootInstancesCommand } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsDeps } from '../../../functions/handlers/aws-deps.ts';
import { createReconcilerHandler, type SqsBatchResponse } from '../../../functions/handlers/reconciler.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { aNetwork, aNode, ec2Refusal } from '../providers/node-fixtures.ts';
import { lambdaEnv, OFFLINE_CREDENTIALS, QUEUE_URL, REGION, startTable, TABLE_NAME } from './handler-fixtures.ts';

const sqsClient = new SQSClient({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const ec2Client = new EC2Client({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const s3Client = new S3Client({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const sqs = mockClient(sqsClient);
const ec2 = mockClient(ec2Client);
const FLEET_ENV = lambdaEnv({
  CARECHAIN_LAUNCH_TEMPLATES: JSON.stringify({
    small: { id: 'lt-0123456789abcdef0', version: '$Default' },
    medium: { id: 'lt-0123456789abcdef1', version: '$Default' },
    large: { id: 'lt-0123456789abcdef2', version: '$Default' },
  }),
  CARECHAIN_NODE_SUBNET_IDS: 'subnet-0a1b2c3d4e5f60718',
  CARECHAIN_NODE_CONFIG_BUCKET: 'carechain-test-nodecfg-123456789012-eu-north-1',
});
let dynamo: EmbeddedDynamo;
let stores: ReturnType<typeof createStores>;
let sent: Record<string, unknown>[];

beforeAll(async () => {
  dynamo = await startTable();
  stores = createStores(new Table(dynamo.client, TABLE_NAME));
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(() => {
  sqs.reset();
  ec2.reset();
  sent = [];
  sqs.on(SendMessageCommand).callsFake((input: { MessageBody: string }) => {
    sent.push(JSON.parse(input.MessageBody));
    return { MessageId: '5fea7756-0ea4-451a-a703-a558b933e274', MD5OfMessageBody: 'fafb00f5732ab283681e124bf8747ed1' };
  });
  ec2.on(RebootInstancesCommand).resolves({ $metadata: { httpStatusCode: 200 } });
});

async function aValidator(overrides: Partial<NodeRecord> = {}) {
  const network = await stores.networks.create(aNetwork({ name: `restart-${newId('network').slice(-8)}` }));
  const node = await stores.nodes.create(
    aNode(network, {
      runtime: 'ec2',
      role: 'validator',
      state: 'running',
      providerRef: 'i-0a1b2c3d4e5f60718',
      validatorAddress: '0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc',
      ...overrides,
    }),
  );
  return { network, node };
}

function sqsEvent(bodies: object[]) {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `0c7d6f1e-1b8e-4a53-9a5e-7d2f0e1c9b${String(i).padStart(2, '0')}`,
      body: JSON.stringify(body),
      eventSource: 'aws:sqs',
    })),
  };
}

const reconciler = () =>
  createReconcilerHandler({ env: FLEET_ENV, clients: { dynamodb: dynamo.client, ec2: ec2Client, s3: s3Client } });

describe('operators’ restarts of EC2 nodes in AWS', () => {
  it('are queued by the API’s fleet, not carried out by it (the API has no reboot rights)', async () => {
    const { network, node } = await aValidator();
    const deps = await awsDeps('api', {
      env: lambdaEnv({ CARECHAIN_PROVISIONING_QUEUE_URL: QUEUE_URL }),
      clients: { dynamodb: dynamo.client, sqs: sqsClient, ec2: ec2Client },
    });
    const members = await deps.fleet!.members(network);
    const result = await deps.fleet!.restartTogether(network, members);
    expect(result).toEqual({ restarted: [node.validatorAddress], failures: [] });
    expect(sent).toEqual([
      { orgId: node.orgId, nodeId: node.id, action: 'restart', requestedAt: expect.stringMatching(/Z$/) },
    ]);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('name the node as failed when the request could not be queued', async () => {
    const { network } = await aValidator();
    sqs
      .on(SendMessageCommand)
      .rejects(Object.assign(new Error('Access to the resource is denied.'), { name: 'AccessDenied' }));
    const deps = await awsDeps('api', {
      env: lambdaEnv({ CARECHAIN_PROVISIONING_QUEUE_URL: QUEUE_URL }),
      clients: { dynamodb: dynamo.client, sqs: sqsClient },
    });
    const result = await deps.fleet!.restartTogether(network, await deps.fleet!.members(network));
    expect(result.restarted).toEqual([]);
    expect(result.failures[0]?.error).toContain('Access to the resource is denied');
  });

  it('are carried out by the reconciler: the node’s own instance is rebooted', async () => {
    const { node } = await aValidator();
    const answer = (await reconciler()(
      sqsEvent([{ orgId: node.orgId, nodeId: node.id, action: 'restart', requestedAt: new Date().toISOString() }]),
    )) as SqsBatchResponse;
    expect(answer.batchItemFailures).toEqual([]);
    expect(ec2.commandCalls(RebootInstancesCommand).map((call) => call.args[0].input)).toEqual([
      { InstanceIds: ['i-0a1b2c3d4e5f60718'] },
    ]);
  });

  it('are dropped, acknowledged, when stale or for a node the platform may not restart', async () => {
    const fresh = new Date().toISOString();
    const { node: managed } = await aValidator();
    const { node: selfHosted } = await aValidator({
      hosting: 'self-hosted',
      runtime: 'external',
      providerRef: undefined,
    });
    const { node: leaving } = await aValidator({ desiredState: 'terminated', state: 'deprovisioning' });
    const answer = (await reconciler()(
      sqsEvent([
        { orgId: managed.orgId, nodeId: managed.id, action: 'restart', requestedAt: '2020-01-01T00:00:00.000Z' },
        { orgId: selfHosted.orgId, nodeId: selfHosted.id, action: 'restart', requestedAt: fresh },
        { orgId: leaving.orgId, nodeId: leaving.id, action: 'restart', requestedAt: fresh },
        { orgId: managed.orgId, nodeId: newId('node'), action: 'restart', requestedAt: fresh },
      ]),
    )) as SqsBatchResponse;
    expect(answer.batchItemFailures).toEqual([]);
    expect(ec2.commandCalls(RebootInstancesCommand)).toHaveLength(0);
  });

  it('come back when EC2 refuses the reboot, and a message with an unknown action is refused', async () => {
    const { node } = await aValidator();
    ec2
      .on(RebootInstancesCommand)
      .rejects(ec2Refusal('IncorrectInstanceState', 'The instance is not in a state from which it can be rebooted.'));
    const event = sqsEvent([
      { orgId: node.orgId, nodeId: node.id, action: 'restart', requestedAt: new Date().toISOString() },
      { orgId: node.orgId, nodeId: node.id, action: 'terminate' },
    ]);
    const answer = (await reconciler()(event)) as SqsBatchResponse;
    expect(answer.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(event.Records.map((r) => r.messageId));
  });
});
