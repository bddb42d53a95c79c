/**
 * `/metrics` of the API Lambda built like in AWS: the fleet's gauges read from the table at scrape time, for
 * operators only; no request counts and no process figures, which would describe one container of many and start
 * again at its next cold start (functions/handlers/api.ts). The table is real (dynalite); SQS and the tenant
 * session's STS answer through aws-sdk-client-mock.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureOperator } from '../../../functions/api/operator-bootstrap.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { aNetwork } from '../providers/node-fixtures.ts';
import { acceptingQueue, apiLambda } from './api-lambda-fixture.ts';
import { httpApiEvent, LAMBDA_CONTEXT, signUpWithOrg, startTable, TABLE_NAME } from './handler-fixtures.ts';

const OPERATOR = { email: 'ops@carechain.example', password: 'operator-password-1234' };
let dynamo: EmbeddedDynamo;

beforeAll(async () => {
  dynamo = await startTable();
});
afterAll(async () => {
  await dynamo.close();
});

it('serves the fleet by state to operators, and neither request counts nor process figures', async () => {
  const stores = createStores(new Table(dynamo.client, TABLE_NAME));
  await ensureOperator(stores, { ...OPERATOR, now: new Date() });
  const network = await stores.networks.create(
    aNetwork({ name: 'carechain-metrics-test', validators: ['0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc'] }),
  );
  const { handler: api, call } = apiLambda(dynamo, acceptingQueue().client);
  const scrape = async (token: string) => {
    const event = httpApiEvent({ method: 'GET', path: '/metrics', headers: { authorization: `Bearer ${token}` } });
    const result = await api(event, LAMBDA_CONTEXT);
    return { status: result.statusCode, text: result.body };
  };
  const { token, orgId } = await signUpWithOrg(call, 'it-admin@karolinska.example', 'Karolinska');
  for (let i = 0; i < 2; i++) {
    const node = await call('POST', `/v1/orgs/${orgId}/nodes`, { networkId: network.id, role: 'member' }, token);
    expect(node.status).toBe(201);
  }

  expect((await scrape(token)).status).toBe(403);
  const login = await call('POST', '/v1/auth/login', OPERATOR);
  expect(login.status).toBe(200);
  const { status, text } = await scrape(login.json.token);
  expect(status).toBe(200);
  const line = text.split('\n').find((l) => l.startsWith('carechain_nodes{') && l.includes('state="requested"'));
  expect(line).toMatch(/hosting="managed"/);
  expect(Number(line?.slice(line.lastIndexOf(' ') + 1))).toBe(2);
  expect(text).not.toContain('carechain_http_requests_total');
  expect(text).not.toContain('carechain_http_request_duration_seconds');
  expect(text).not.toMatch(/^carechain_process_/m);
});
