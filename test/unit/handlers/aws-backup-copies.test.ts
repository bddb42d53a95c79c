/**
 * A member asking for copies of its network's backups in a bucket, through the API Lambda built like in AWS: backups
 * there are EBS snapshots, which no bucket can hold, so the request is refused with a 409 problem+json that says so
 * (never a 500, never a request recorded that would only ever fail). The table is real (dynalite); SQS and the
 * tenant session's STS answer through aws-sdk-client-mock.
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
  httpApiEvent,
  LAMBDA_CONTEXT,
  lambdaEnv,
  OFFLINE_CREDENTIALS,
  QUEUE_URL,
  REGION,
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

it('refuses copies of backups to a member’s bucket in AWS with a 409 that says why', async () => {
  const stores = createStores(new Table(dynamo.client, TABLE_NAME));
  const network = await stores.networks.create(
    aNetwork({ name: 'carechain-copies-test', validators: ['0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc'] }),
  );
  const tenant = tenantSessionClients(dynamo);
  const api = createApiHandler({
    env: lambdaEnv({ CARECHAIN_PROVISIONING_QUEUE_URL: QUEUE_URL, CARECHAIN_TENANT_ROLE_ARN: TENANT_ROLE_ARN }),
    clients: { dynamodb: dynamo.client, sqs: sqsClient, ...tenant.clients },
  });
  const call = async (method: string, path: string, body: object | undefined, token?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const result = await api(
      httpApiEvent({ method, path, headers, ...(body && { body: JSON.stringify(body) }) }),
      LAMBDA_CONTEXT,
    );
    return { status: result.statusCode, type: result.headers?.['content-type'], json: JSON.parse(result.body || '{}') };
  };
  const signup = await call('POST', '/v1/auth/signup', {
    email: 'it-admin@karolinska.example',
    password: 'a-long-enough-password',
    name: 'IT Admin',
  });
  const token = signup.json.token;
  const org = await call('POST', '/v1/orgs', { name: 'Karolinska', type: 'hospital', country: 'SE' }, token);
  const node = await call('POST', `/v1/orgs/${org.json.id}/nodes`, { networkId: network.id, role: 'member' }, token);
  expect(node.status).toBe(201);

  const refused = await call(
    'PUT',
    `/v1/orgs/${org.json.id}/backup-copies`,
    { networkId: network.id, bucket: 'karolinska-carechain-backups' },
    token,
  );
  expect(refused.status).toBe(409);
  expect(refused.type).toContain('application/problem+json');
  expect(refused.json.detail).toContain(
    'EBS snapshots of a node’s chain-data volume, which cannot be copied into a bucket',
  );
  const listed = await call('GET', `/v1/orgs/${org.json.id}/backup-copies`, undefined, token);
  expect(listed.json.items).toEqual([]);
});
