/**
 * The gateway's WebSocket functions in AWS mode, with API Gateway's WebSocket events as it sends them
 * (requestContext.routeKey, connectionId, domainName, stage), against a real table (dynalite), a real chain (anvil)
 * and API Gateway's management API mocked with realistic answers: `$connect` admits the key from the query string,
 * a header or a subprotocol and answers the subprotocol; refusals are the handshake's status; the plan's connections
 * per key are counted in the table; `$default` answers JSON-RPC and keeps subscriptions on the connection's record;
 * `$disconnect` gives the counts back; the follower pushes newHeads and logs notifications, meters them, and forgets
 * connections API Gateway answers 410 for.
 */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewaySocketsHandler, type WebSocketEvent } from '../../../functions/handlers/gateway-sockets.ts';
import { createSocketFollowerHandler } from '../../../functions/handlers/socket-follower.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { sha256Hex } from '../../../shared/auth/secrets.ts';
import { hourOf } from '../../../shared/domain/metering.ts';
import { UsageRepository } from '../../../shared/metering/usage.repository.ts';
import { ApiKeysRepository } from '../../../shared/store/api-keys.repository.ts';
import { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import { SocketConnectionsRepository } from '../../../shared/store/socket-connections.repository.ts';
import { StreamTicketsRepository } from '../../../shared/store/stream-tickets.repository.ts';
import { Table } from '../../../shared/store/table.ts';
import { type AnvilProcess, FREE_GAS, spawnAnvil } from '../../support/anvil-process.ts';
import { lambdaEnv, REGION, startTable, TABLE_NAME } from '../../unit/handlers/handler-fixtures.ts';
import { aNode } from '../../unit/providers/node-fixtures.ts';

const DOMAIN = 'a1b2c3d4e5.execute-api.eu-north-1.amazonaws.com';
const STAGE = 'live';
const ORG = 'org_01JAWSSOCKETS0000000000001';
const SECRET = 'cck_live_aws_websocket_test_key_000000000001';
/** A contract that emits LOG1(topic = EMITTED) with the first 32 bytes of its call data, on every call. */
const EMITTED = `0x${'c0'.repeat(32)}`;
const RUNTIME = `60206000600037 7f${EMITTED.slice(2)} 602060 00a1 00`.replaceAll(' ', '');
const INIT = `0x602e600c600039602e6000f3${RUNTIME}`;

let dynamo: EmbeddedDynamo;
let anvil: AnvilProcess;
let table: Table;
let connections: SocketConnectionsRepository;
let nodeId: string;
const management = new ApiGatewayManagementApiClient({
  region: REGION,
  endpoint: `https://${DOMAIN}/${STAGE}`,
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'offline' },
});
const api = mockClient(management);
const $metadata = { httpStatusCode: 200, requestId: '5f1b2c3d-0000-4000-8000-000000000001' };

let handle: ReturnType<typeof createGatewaySocketsHandler>;

function event(
  routeKey: '$connect' | '$disconnect' | '$default',
  connectionId: string,
  extra: Partial<WebSocketEvent> = {},
): WebSocketEvent {
  return {
    requestContext: { routeKey, connectionId, domainName: DOMAIN, stage: STAGE },
    headers: routeKey === '$connect' ? { Host: DOMAIN, 'Sec-WebSocket-Version': '13' } : undefined,
    isBase64Encoded: false,
    ...extra,
  };
}

const connect = (connectionId: string, extra: Partial<WebSocketEvent> = {}) =>
  handle(event('$connect', connectionId, { queryStringParameters: { nodeId, key: SECRET }, ...extra }));
const send = async (connectionId: string, method: string, params: unknown[] = []) => {
  const result = await handle(
    event('$default', connectionId, { body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }) }),
  );
  return JSON.parse(result.body ?? 'null');
};

beforeAll(async () => {
  [dynamo, anvil] = await Promise.all([startTable(), spawnAnvil([...FREE_GAS, '--block-time', '1'])]);
  table = new Table(dynamo.client, TABLE_NAME);
  connections = new SocketConnectionsRepository(table, () => new Date());
  const now = new Date().toISOString();
  await new ApiKeysRepository(table).create(
    {
      id: 'key_aws_ws',
      orgId: ORG,
      name: 'pharmacy system',
      prefix: SECRET.slice(0, 12),
      scopes: ['rpc'],
      status: 'active',
      createdAt: now,
      createdBy: 'user_1',
      lastUsedAt: undefined,
      revokedAt: undefined,
    },
    sha256Hex(SECRET),
  );
  const node = aNode(
    { id: 'net_aws_ws' },
    { orgId: ORG, runtime: 'ec2', state: 'running', endpoints: { rpcUrl: anvil.url, p2pPort: undefined } },
  );
  nodeId = node.id;
  await new NodesRepository(table, () => new Date()).create(node);
  handle = createGatewaySocketsHandler({
    env: lambdaEnv(),
    clients: { dynamodb: dynamo.client, socketManagement: management },
  });
}, 60_000);

afterAll(async () => {
  await anvil?.stop();
  await dynamo?.close();
});

beforeEach(() => {
  api.reset();
  api.on(PostToConnectionCommand).resolves({ $metadata });
  api.on(DeleteConnectionCommand).resolves({ $metadata });
});

describe('$connect', () => {
  it('admits the key from the query string and answers the subprotocol offered', async () => {
    const answer = await connect('conn-query=', {
      headers: { 'Sec-WebSocket-Protocol': 'carechain-jsonrpc' },
    });
    expect(answer).toEqual({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'carechain-jsonrpc' } });
    const record = await table.get({ pk: 'WSCONN#conn-query=', sk: 'META' });
    expect(record).toMatchObject({ orgId: ORG, keyId: 'key_aws_ws', nodeId, credential: { kind: 'key' } });
    expect(JSON.stringify(record)).not.toContain(SECRET);
    expect(record?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 2 * 3600);
    await handle(event('$disconnect', 'conn-query='));
  });

  it('takes the key from x-api-key, Authorization: Bearer, or a subprotocol beside carechain-jsonrpc', async () => {
    const ways = [
      { 'x-api-key': SECRET },
      { Authorization: `Bearer ${SECRET}` },
      { 'Sec-WebSocket-Protocol': `carechain-jsonrpc, ${SECRET}` },
    ];
    for (const [i, headers] of ways.entries()) {
      const answer = await handle(event('$connect', `conn-way-${i}`, { queryStringParameters: { nodeId }, headers }));
      expect(answer.statusCode, JSON.stringify(headers)).toBe(200);
      await handle(event('$disconnect', `conn-way-${i}`));
    }
  });

  it('refuses a wrong key with 401, and an unknown node with 404, as problems', async () => {
    const wrong = await handle(
      event('$connect', 'conn-wrong', { queryStringParameters: { nodeId, key: 'cck_live_not_a_key' } }),
    );
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(wrong.body ?? '{}')).toMatchObject({ status: 401 });
    const unknown = await handle(
      event('$connect', 'conn-unknown', { queryStringParameters: { nodeId: 'node_missing', key: SECRET } }),
    );
    expect(unknown.statusCode).toBe(404);
    expect(await connections.find('conn-wrong')).toBeUndefined();
  });

  it('holds the key to its plan’s connections in the table, and $disconnect gives one back', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `conn-limit-${i}`);
    for (const id of ids) expect((await connect(id)).statusCode).toBe(200);
    expect(await connections.countsOf('key_aws_ws')).toMatchObject({ connections: 20 });
    const over = await connect('conn-limit-over');
    expect(over.statusCode).toBe(429);
    await handle(event('$disconnect', 'conn-limit-0'));
    expect((await connect('conn-limit-again')).statusCode).toBe(200);
    for (const id of [...ids.slice(1), 'conn-limit-again']) await handle(event('$disconnect', id));
    expect(await connections.countsOf('key_aws_ws')).toEqual({ connections: 0, subscriptions: 0 });
  });
});

describe('stream tickets', () => {
  it('opens one connection per ticket; that connection’s messages are admitted by its record', async () => {
    const ticket = 'cct_live_aws_websocket_ticket_00000000000001';
    await new StreamTicketsRepository(table).create(sha256Hex(ticket), {
      orgId: ORG,
      nodeId,
      userId: 'user_1',
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    const withTicket = (connectionId: string) =>
      handle(event('$connect', connectionId, { queryStringParameters: { nodeId, key: ticket } }));
    expect((await withTicket('conn-ticket')).statusCode).toBe(200);
    const copied = await withTicket('conn-ticket-copied');
    expect(copied.statusCode).toBe(401);
    expect(JSON.parse(copied.body ?? '{}').detail).toMatch(/ticket has been used or has expired/);
    expect(await connections.find('conn-ticket-copied')).toBeUndefined();
    expect(await send('conn-ticket', 'eth_chainId')).toEqual({ jsonrpc: '2.0', id: 7, result: '0x7a69' });
    expect(await table.get({ pk: `STREAMTICKET#${sha256Hex(ticket)}`, sk: 'META' })).toMatchObject({
      redeemedAt: expect.any(String),
    });
    await handle(event('$disconnect', 'conn-ticket'));
  });
});

describe('$default', () => {
  it('answers JSON-RPC through the gateway core', async () => {
    await connect('conn-rpc');
    const answer = await send('conn-rpc', 'eth_chainId');
    expect(answer).toEqual({ jsonrpc: '2.0', id: 7, result: '0x7a69' });
    const refused = await send('conn-rpc', 'admin_peers');
    expect(refused.error.code).toBe(-32601);
    await handle(event('$disconnect', 'conn-rpc'));
  });

  it('keeps eth_subscribe on the connection’s record and eth_unsubscribe removes it', async () => {
    await connect('conn-sub');
    const subscribed = await send('conn-sub', 'eth_subscribe', ['newHeads']);
    expect(subscribed.result).toMatch(/^0x[0-9a-f]{32}$/);
    expect((await connections.find('conn-sub'))?.subscriptions).toEqual({ [subscribed.result]: { kind: 'newHeads' } });
    expect(await connections.countsOf('key_aws_ws')).toMatchObject({ subscriptions: 1 });
    expect((await send('conn-sub', 'eth_unsubscribe', [subscribed.result])).result).toBe(true);
    expect((await send('conn-sub', 'eth_unsubscribe', [subscribed.result])).result).toBe(false);
    expect((await connections.find('conn-sub'))?.subscriptions).toEqual({});
    await handle(event('$disconnect', 'conn-sub'));
    expect(await connections.find('conn-sub')).toBeUndefined();
  });

  it('closes a connection it no longer knows, telling the client why', async () => {
    expect(await send('conn-never', 'eth_chainId')).toBeNull();
    const [notice] = api.commandCalls(PostToConnectionCommand);
    expect(JSON.parse(Buffer.from(notice?.args[0].input.Data as Uint8Array).toString())).toMatchObject({
      error: { data: { reason: 'closed' } },
    });
    expect(api.commandCalls(DeleteConnectionCommand)[0]?.args[0].input.ConnectionId).toBe('conn-never');
  });
});

describe('the follower', () => {
  it('pushes every new block and the logs a filter matches, meters them, and forgets gone connections', async () => {
    await connect('conn-heads');
    await connect('conn-gone');
    const heads = (await send('conn-heads', 'eth_subscribe', ['newHeads'])).result as string;
    const logs = (await send('conn-heads', 'eth_subscribe', ['logs', { topics: [EMITTED] }])).result as string;
    await send('conn-gone', 'eth_subscribe', ['newHeads']);
    api.reset();
    api.on(PostToConnectionCommand).resolves({ $metadata });
    api
      .on(PostToConnectionCommand, { ConnectionId: 'conn-gone' })
      .rejects(new GoneException({ $metadata: { ...$metadata, httpStatusCode: 410 }, message: 'Gone' } as never));

    const provider = new JsonRpcProvider(anvil.url, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
      pollingInterval: 50,
    });
    const wallet = Wallet.createRandom(provider);
    const follower = createSocketFollowerHandler({
      env: lambdaEnv({ CARECHAIN_SOCKET_ENDPOINT: `https://${DOMAIN}/${STAGE}` }),
      clients: { dynamodb: dynamo.client, socketManagement: management },
      followMs: 7_000,
      pollIntervalMs: 200,
      refreshMs: 500,
    });
    const running = follower();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const deployed = await wallet.sendTransaction({ data: INIT, gasPrice: 0n, nonce: 0 });
    const address = (await deployed.wait())?.contractAddress as string;
    await (await wallet.sendTransaction({ to: address, data: `0x${'ab'.repeat(32)}`, gasPrice: 0n, nonce: 1 })).wait();
    const report = await running;

    const pushed = api
      .commandCalls(PostToConnectionCommand, { ConnectionId: 'conn-heads' })
      .map((call) => JSON.parse(Buffer.from(call.args[0].input.Data as Uint8Array).toString()));
    const blocks = pushed.filter((message) => message.params.subscription === heads).map((m) => m.params.result);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const [i, block] of blocks.entries()) {
      expect(block).toMatchObject({ number: expect.stringMatching(/^0x/), hash: expect.any(String) });
      expect(block.transactions).toBeUndefined();
      if (i > 0) expect(BigInt(block.number)).toBe(BigInt(blocks[i - 1].number) + 1n);
    }
    const logNotes = pushed.filter((message) => message.params.subscription === logs).map((m) => m.params.result);
    expect(logNotes).toHaveLength(1);
    expect(logNotes[0]).toMatchObject({ address: address.toLowerCase(), topics: [EMITTED], removed: false });
    expect(pushed.every((message) => message.method === 'eth_subscription')).toBe(true);

    expect(report.gone).toBe(1);
    expect(await connections.find('conn-gone')).toBeUndefined();
    const usage = await new UsageRepository(table, () => new Date()).records(
      ORG,
      'rpc_compute_units',
      hourOf(new Date(Date.now() - 3_600_000)),
      hourOf(new Date()),
    );
    const metered = usage.reduce((sum, record) => sum + record.amount, 0);
    // Each notification is 10 compute units; the calls sent above add their own.
    expect(metered).toBeGreaterThanOrEqual(pushed.length * 10);
    await handle(event('$disconnect', 'conn-heads'));
  }, 30_000);
});
