/**
 * A member asking for copies of its network's backups in a bucket, through the API Lambda built like in AWS: the
 * request is accepted and recorded (fleet operations then copy each backup's archive there, see
 * fleet-operations-backups.test.ts); a bucket name S3 would not accept is a 400 problem+json. The table is real
 * (dynalite); SQS and the tenant session's STS answer through aws-sdk-client-mock.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiHandler } from '../../../functions/handlers/api.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { aNetwork } from '../providers/node-fixtures.ts';
import {
  apiCaller,
  lambdaEnv,
  OFFLINE_CREDENTIALS,
  QUEUE_URL,
  REGION,
  signUpWithOrg,
  startTable,
  TABLE_NAME,
  TENANT_ROLE_ARN,
  tenantSessionClients,
} from './handler-fixtures.ts';

const sqsClient = new SQSClient({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const sqs = mockClient(sqsClient);
let dynamo: EmbeddedDynamo;

beforeAll(async () => {
  dynamo = await startTable();
  sqs.on(SendMessageCommand).resolves({ MessageId: '5fea7756-0ea4-451a-a703-a558b933e274' });
});
afterAll(async () => {
  await dynamo.close();
});

it('accepts copies of backups to a member’s bucket in AWS and lists them; refuses a name S3 would not accept', async () => {
  const stores = createStores(new Table(dynamo.client, TABLE_NAME));
  const network = await stores.networks.create(
    aNetwork({ name: 'carechain-copies-test', validators: ['0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc'] }),
  );
  const tenant = tenantSessionClients(dynamo);
  const api = createApiHandler({
    env: lambdaEnv({ CARECHAIN_PROVISIONING_QUEUE_URL: QUEUE_URL, CARECHAIN_TENANT_ROLE_ARN: TENANT_ROLE_ARN }),
    clients: { dynamodb: dynamo.client, sqs: sqsClient, ...tenant.clients },
  });
  const call = apiCaller(api);
  const { token, orgId } = await signUpWithOrg(call, 'it-admin@karolinska.example', 'Karolinska');
  const node = await call('POST', `/v1/orgs/${orgId}/nodes`, { networkId: network.id, role: 'member' }, token);
  expect(node.status).toBe(201);

  const accepted = await call(
    'PUT',
    `/v1/orgs/${orgId}/backup-copies`,
    { networkId: network.id, bucket: 'karolinska-carechain-backups' },
    token,
  );
  expect(accepted.status).toBe(200);
  expect(accepted.json).toMatchObject({ networkId: network.id, bucket: 'karolinska-carechain-backups' });
  const listed = await call('GET', `/v1/orgs/${orgId}/backup-copies`, undefined, token);
  expect(listed.json.items).toEqual([
    expect.objectContaining({ networkId: network.id, bucket: 'karolinska-carechain-backups' }),
  ]);

  const refused = await call(
    'PUT',
    `/v1/orgs/${orgId}/backup-copies`,
    { networkId: network.id, bucket: '../Other_Bucket' },
    token,
  );
  expect(refused.status).toBe(400);
  expect(refused.type).toContain('application/problem+json');
});
