/**
 * The gateway Lambda answers JSON-RPC over API Gateway (HTTP API payload v2) from the real table: the API key and
 * the node are looked up there, the call reaches the node, and the usage it counted is written before the
 * invocation returns (a frozen container would hold it unsent).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_PREFIX } from '../../../functions/api/middleware/authentication.ts';
import { createGatewayHandler } from '../../../functions/handlers/gateway.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { newSecret, sha256Hex } from '../../../shared/auth/secrets.ts';
import { hourOf } from '../../../shared/domain/metering.ts';
import { UsageRepository } from '../../../shared/metering/usage.repository.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { aNetwork, aNode } from '../providers/node-fixtures.ts';
import { httpApiEvent, LAMBDA_CONTEXT, lambdaEnv, startTable, TABLE_NAME } from './handler-fixtures.ts';

let dynamo: EmbeddedDynamo;
let node: Server;
let nodeUrl: string;
const calls: string[] = [];

beforeAll(async () => {
  dynamo = await startTable();
  // A node's JSON-RPC: answers eth_blockNumber with 0x10.
  node = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      calls.push(body);
      const { id } = JSON.parse(body) as { id: number };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id, result: '0x10' }));
    });
  });
  await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
  nodeUrl = `http://127.0.0.1:${(node.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => node.close(resolve));
  await dynamo.close();
});

describe('gateway Lambda', () => {
  it('forwards a call with a valid key to the node and has written its usage when it returns', async () => {
    const table = new Table(dynamo.client, TABLE_NAME);
    const stores = createStores(table);
    const running = await stores.nodes.create(
      aNode(aNetwork(), { runtime: 'ec2', state: 'running', endpoints: { rpcUrl: nodeUrl, p2pPort: 30303 } }),
    );
    const secret = newSecret(API_KEY_PREFIX);
    const now = new Date().toISOString();
    await stores.apiKeys.create(
      {
        id: 'key_gatewaylambda0001',
        orgId: running.orgId,
        name: 'integration',
        prefix: secret.slice(0, 8),
        scopes: ['rpc'],
        status: 'active',
        createdAt: now,
        createdBy: 'usr_gatewaylambda0001',
        lastUsedAt: undefined,
        revokedAt: undefined,
      },
      sha256Hex(secret),
    );
    const handler = createGatewayHandler({ env: lambdaEnv(), clients: { dynamodb: dynamo.client } });
    const call = (key: string) =>
      handler(
        httpApiEvent({
          method: 'POST',
          path: `/rpc/${running.id}/${key}`,
          headers: { 'content-type': 'application/json' },
          body: '{"jsonrpc":"2.0","id":7,"method":"eth_blockNumber","params":[]}',
        }),
        LAMBDA_CONTEXT,
      ) as Promise<{ statusCode: number; body: string }>;

    const answer = await call(secret);

    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ jsonrpc: '2.0', id: 7, result: '0x10' });
    expect(calls.map((body) => JSON.parse(body).method)).toEqual(['eth_blockNumber']);
    const hour = hourOf(new Date());
    const usage = await new UsageRepository(table).records(running.orgId, 'rpc_requests', hour, hour);
    expect(usage.reduce((sum, record) => sum + record.amount, 0)).toBe(1);

    const refused = await call(newSecret(API_KEY_PREFIX));
    expect(refused.statusCode).toBe(401);
    expect(calls).toHaveLength(1);
  });
});
