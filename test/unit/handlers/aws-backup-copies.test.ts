/**
 * A member asking for copies of its network's backups in a bucket, through the API Lambda built like in AWS: the
 * request is accepted and recorded (fleet operations then copy each backup's archive there, see
 * fleet-operations-backups.test.ts); a bucket name S3 would not accept is a 400 problem+json. The table is real
 * (dynalite); SQS and the tenant session's STS answer through aws-sdk-client-mock.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { aNetwork } from '../providers/node-fixtures.ts';
import { acceptingQueue, apiLambda } from './api-lambda-fixture.ts';
import { signUpWithOrg, startTable, TABLE_NAME } from './handler-fixtures.ts';

let dynamo: EmbeddedDynamo;

beforeAll(async () => {
  dynamo = await startTable();
});
afterAll(async () => {
  await dynamo.close();
});

it('accepts copies of backups to a member’s bucket in AWS and lists them; refuses a name S3 would not accept', async () => {
  const stores = createStores(new Table(dynamo.client, TABLE_NAME));
  const network = await stores.networks.create(
    aNetwork({ name: 'carechain-copies-test', validators: ['0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc'] }),
  );
  const { call } = apiLambda(dynamo, acceptingQueue().client);
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
