/**
 * nodeChanged in AWS mode: a changed node is sent to the provisioning queue as `{ orgId, nodeId }`, and the API
 * Lambda returns only once the send is done. SQS is mocked with its real answers; the table is real.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsDeps } from '../../../functions/handlers/aws-deps.ts';
import { SqsNodeQueue } from '../../../shared/adapters/aws/sqs-node-queue.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { createLogger } from '../../../shared/observability/logger.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { aNetwork, aNode } from '../providers/node-fixtures.ts';
import { apiLambda } from './api-lambda-fixture.ts';
import {
  lambdaEnv,
  OFFLINE_CREDENTIALS,
  QUEUE_URL,
  REGION,
  signUpWithOrg,
  startTable,
  TABLE_NAME,
  TENANT_ROLE_ARN,
} from './handler-fixtures.ts';

const sqsClient = new SQSClient({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const sqs = mockClient(sqsClient);
/** Bodies SQS has accepted, in order, recorded when the (slightly slow) send completes. */
let delivered: string[];
let dynamo: EmbeddedDynamo;

beforeAll(async () => {
  dynamo = await startTable();
});

afterAll(async () => {
  await dynamo.close();
});

beforeEach(() => {
  delivered = [];
  sqs.reset();
  sqs.on(SendMessageCommand).callsFake(async (input: { MessageBody: string }) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    delivered.push(input.MessageBody);
    return {
      MessageId: '5fea7756-0ea4-451a-a703-a558b933e274',
      MD5OfMessageBody: 'fafb00f5732ab283681e124bf8747ed1',
      $metadata: { httpStatusCode: 200 },
    };
  });
});

describe('SqsNodeQueue', () => {
  it('sends the node as { orgId, nodeId } to the provisioning queue', async () => {
    const node = aNode(aNetwork(), { runtime: 'ec2' });
    const queue = new SqsNodeQueue(async () => sqsClient, QUEUE_URL, createLogger({ level: 'silent' }));

    queue.nodeChanged(node);
    await queue.drain();

    const [call] = sqs.commandCalls(SendMessageCommand);
    expect(call!.args[0].input.QueueUrl).toBe(QUEUE_URL);
    expect(JSON.parse(call!.args[0].input.MessageBody!)).toEqual({ orgId: node.orgId, nodeId: node.id });
    expect(delivered).toHaveLength(1);
  });

  it('logs a send SQS refused instead of failing the caller', async () => {
    sqs
      .on(SendMessageCommand)
      .rejects(Object.assign(new Error('Access to the resource is denied.'), { name: 'AccessDenied' }));
    const lines: string[] = [];
    const queue = new SqsNodeQueue(
      async () => sqsClient,
      QUEUE_URL,
      createLogger({ level: 'warn', write: (line) => lines.push(line) }),
    );

    queue.nodeChanged(aNode(aNetwork()));
    await queue.drain();

    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', error: { name: 'AccessDenied' } });
  });
});

describe('nodeChanged in the AWS wiring', () => {
  it('is the queue when the function has one, and absent otherwise', async () => {
    const withQueue = await awsDeps('api', {
      env: lambdaEnv({ CARECHAIN_PROVISIONING_QUEUE_URL: QUEUE_URL }),
      clients: { dynamodb: dynamo.client, sqs: sqsClient },
    });
    const withoutQueue = await awsDeps('stripe-webhook', { env: lambdaEnv(), clients: { dynamodb: dynamo.client } });

    expect(withoutQueue.nodeChanged).toBeUndefined();
    const node = aNode(aNetwork(), { runtime: 'ec2' });
    withQueue.nodeChanged?.(node);
    await withQueue.settle();
    expect(delivered.map((body) => JSON.parse(body))).toEqual([{ orgId: node.orgId, nodeId: node.id }]);
  });

  it('queues a node created through the API Lambda before the invocation returns', async () => {
    const stores = createStores(new Table(dynamo.client, TABLE_NAME));
    const network = await stores.networks.create(
      aNetwork({ name: 'carechain-queue-test', validators: ['0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc'] }),
    );
    const { call, tenant } = apiLambda(dynamo, sqsClient);
    const { token, orgId } = await signUpWithOrg(call, 'it-admin@sahlgrenska.example', 'Sahlgrenska');

    const created = await call(
      'POST',
      `/v1/orgs/${orgId}/nodes`,
      { networkId: network.id, role: 'member', size: 'small' },
      token,
    );

    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ state: 'requested' });
    // Written in the organisation's tenant session.
    expect(tenant.assumed.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toMatchObject({
      RoleArn: TENANT_ROLE_ARN,
      Tags: [{ Key: 'carechain:org', Value: orgId }],
    });
    expect(delivered.map((body) => JSON.parse(body))).toEqual([{ orgId, nodeId: created.json.id }]);
  });
});
