/**
 * A live ticket through the API Lambda built like in AWS: the console opens the URL the answer names, so in AWS it
 * must be the WebSocket API's (`wss://…/live?nodeId=…`, the node in the query string: API Gateway WebSocket URLs
 * carry no path of their own), not the HTTP API's origin. The table is real (dynalite); SQS and the tenant
 * session's STS answer through aws-sdk-client-mock.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { loadConfig } from '../../../shared/config/config.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { aNetwork } from '../providers/node-fixtures.ts';
import { acceptingQueue, apiLambda } from './api-lambda-fixture.ts';
import { lambdaEnv, signUpWithOrg, startTable, TABLE_NAME } from './handler-fixtures.ts';

const SOCKET_URL = 'wss://k3x9q2v7ab.execute-api.eu-north-1.amazonaws.com/live';
let dynamo: EmbeddedDynamo;

beforeAll(async () => {
  dynamo = await startTable();
});
afterAll(async () => {
  await dynamo.close();
});

it('answers a live ticket with the WebSocket API’s URL for the node', async () => {
  const stores = createStores(new Table(dynamo.client, TABLE_NAME));
  const network = await stores.networks.create(
    aNetwork({ name: 'carechain-live-test', validators: ['0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc'] }),
  );
  const { call } = apiLambda(dynamo, acceptingQueue().client, { CARECHAIN_GATEWAY_SOCKET_URL: SOCKET_URL });
  const { token, orgId } = await signUpWithOrg(call, 'it-admin@sahlgrenska.example', 'Sahlgrenska');
  const node = await call('POST', `/v1/orgs/${orgId}/nodes`, { networkId: network.id, role: 'member' }, token);
  expect(node.status).toBe(201);

  const ticket = await call('POST', `/v1/orgs/${orgId}/nodes/${node.json.id}/live-ticket`, undefined, token);
  expect(ticket.status).toBe(201);
  expect(ticket.json.url).toBe(`${SOCKET_URL}?nodeId=${node.json.id}`);
  expect(ticket.json.ticket).toMatch(/^\w+_/);
});

it('refuses a WebSocket URL that is not wss://, naming the variable', () => {
  expect(() =>
    loadConfig(
      lambdaEnv({ CARECHAIN_GATEWAY_SOCKET_URL: 'ws://k3x9q2v7ab.execute-api.eu-north-1.amazonaws.com/live' }),
    ),
  ).toThrow(/CARECHAIN_GATEWAY_SOCKET_URL/);
});
