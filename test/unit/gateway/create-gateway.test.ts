/**
 * The gateway's HTTP contract for everything that is decided before a call reaches a node: authentication,
 * tenancy, node state, rate limits, body validation and method policy. The node URL points at a closed port, so
 * any call that did reach upstream would fail these tests.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createGateway, type GatewayDeps, type GatewayNode } from '../../../functions/gateway/create-gateway.ts';
import { RpcUpstream } from '../../../functions/gateway/upstream.ts';
import type { Meter } from '../../../shared/domain/metering.ts';

const KEY = 'cck_live_0123456789abcdefghijklmnop';
const READ_ONLY_KEY = 'cck_live_readonly_readonly_readonly';
const plan = { id: 'member', requestsPerSecond: 2, burst: 3, maxBatchSize: 4 };
const nodes: Record<string, GatewayNode> = {
  node_mine: { orgId: 'org_a', rpcUrl: 'http://127.0.0.1:9', state: 'running', runtime: 'anvil' },
  node_theirs: { orgId: 'org_b', rpcUrl: 'http://127.0.0.1:9', state: 'running', runtime: 'anvil' },
  node_stopped: { orgId: 'org_a', rpcUrl: 'http://127.0.0.1:9', state: 'stopped', runtime: 'besu' },
  node_self_hosted: { orgId: 'org_a', rpcUrl: 'http://169.254.169.254', state: 'running', runtime: 'external' },
};

const upstream = new RpcUpstream({ timeoutMs: 1000 });
afterAll(() => upstream.close());

function gateway(overrides: Partial<GatewayDeps> = {}) {
  let now = Date.parse('2026-11-24T20:10:00Z');
  const lines: string[] = [];
  const recorded: { orgId: string; meter: Meter; amount: number }[] = [];
  const app = createGateway({
    authenticate: async (secret) => {
      if (secret === KEY) return { orgId: 'org_a', keyId: 'key_a', scopes: ['rpc', 'read'], plan };
      if (secret === READ_ONLY_KEY) return { orgId: 'org_a', keyId: 'key_r', scopes: ['read'], plan };
      return undefined;
    },
    resolveNode: async (nodeId) => nodes[nodeId],
    meter: { record: (orgId, meter, amount) => recorded.push({ orgId, meter, amount }) },
    clock: () => new Date(now),
    logger: {
      debug: (message, fields) => lines.push(JSON.stringify({ message, ...fields })),
      info: (message, fields) => lines.push(JSON.stringify({ message, ...fields })),
      warn: (message, fields) => lines.push(JSON.stringify({ message, ...fields })),
      error: (message, fields) => lines.push(JSON.stringify({ message, ...fields })),
    },
    upstream,
    lookupCacheMs: 0,
    ...overrides,
  });
  const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) =>
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { app, post, lines, recorded, advance: (ms: number) => (now += ms) };
}

const blocked = { jsonrpc: '2.0', id: 1, method: 'admin_peers', params: [] };

describe('gateway authentication and tenancy', () => {
  it('refuses a request without a key with 401 problem+json', async () => {
    const res = await gateway().post('/rpc/node_mine', blocked, {});
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toEqual({
      type: 'https://carechain.se/problems/unauthorized',
      title: 'Authentication required',
      status: 401,
      detail: expect.stringContaining('API key'),
      instance: '/rpc/node_mine',
    });
  });

  it('refuses an unknown key with 401, without echoing the key', async () => {
    const res = await gateway().post('/rpc/node_mine/not-a-key-secret', blocked, {});
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).not.toContain('not-a-key-secret');
    expect(JSON.parse(text).instance).toBe('/rpc/node_mine/[redacted]');
  });

  it.each([
    ['x-api-key header', '/rpc/node_mine', { 'x-api-key': KEY }],
    ['bearer token', '/rpc/node_mine', { authorization: `Bearer ${KEY}` }],
    ['key in the path', `/rpc/node_mine/${KEY}`, {}],
  ])('accepts the key as a %s', async (_, path, headers) => {
    const res = await gateway().post(path, blocked, headers);
    expect(res.status).toBe(200);
  });

  it('answers 404 alike for a node of another organisation, an unknown node and a key without the rpc scope', async () => {
    const g = gateway();
    const foreign = await g.post('/rpc/node_theirs', blocked);
    const unknown = await g.post('/rpc/node_nope', blocked);
    const noScope = await g.post('/rpc/node_mine', blocked, { 'x-api-key': READ_ONLY_KEY });
    for (const res of [foreign, unknown, noScope]) {
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect((await res.json()).detail).toBe('No such node for this API key');
    }
  });

  it('answers 503 for a node that is not serving', async () => {
    const res = await gateway().post('/rpc/node_stopped', blocked);
    expect(res.status).toBe(503);
    expect((await res.json()).detail).toBe('The node is stopped and not serving requests');
  });

  it('does not proxy to self-hosted nodes, whose URLs the tenant chooses', async () => {
    const res = await gateway().post('/rpc/node_self_hosted', blocked);
    expect(res.status).toBe(403);
  });

  it('answers other HTTP methods with 405', async () => {
    const res = await gateway().app.request('/rpc/node_mine', { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});

describe('gateway JSON-RPC validation', () => {
  it('answers a body that is not JSON with -32700 and a null id, over HTTP 200', async () => {
    const res = await gateway().post('/rpc/node_mine', '{"jsonrpc": "2.0", "method"');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'Parse error: the body is not JSON' },
    });
  });

  it('answers an empty batch with one invalid-request error, not an array', async () => {
    const res = await gateway().post('/rpc/node_mine', []);
    expect(await res.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'An empty batch is not a request' },
    });
  });

  it('answers each invalid entry of a batch with its own error and the right id', async () => {
    const res = await gateway().post('/rpc/node_mine', [1, { jsonrpc: '2.0', id: 'x', method: 5 }, blocked]);
    const body = (await res.json()) as { id: unknown; error: { code: number } }[];
    expect(body.map((r) => [r.id, r.error.code])).toEqual([
      [null, -32600],
      ['x', -32600],
      [1, -32601],
    ]);
  });

  it('refuses a blocked method with -32601 and says why', async () => {
    const res = await gateway().post('/rpc/node_mine', { jsonrpc: '2.0', id: 'q', method: 'anvil_setBalance' });
    expect(await res.json()).toEqual({
      jsonrpc: '2.0',
      id: 'q',
      error: {
        code: -32601,
        message: 'The method anvil_setBalance does not exist/is not available',
        data: { reason: 'blocked', detail: 'This method is never offered through the CareChain gateway' },
      },
    });
  });

  it('applies the plan allow-list', async () => {
    const restricted = { ...plan, allowedMethods: ['eth_chainId'] };
    const g = gateway({
      authenticate: async () => ({ orgId: 'org_a', keyId: 'k', scopes: ['rpc'], plan: restricted }),
    });
    const res = await g.post('/rpc/node_mine', { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' });
    expect((await res.json()).error.data.reason).toBe('not-in-plan');
  });

  it('answers a body of notifications only with 204 and no body', async () => {
    const res = await gateway().post('/rpc/node_mine', [{ jsonrpc: '2.0', method: 'admin_peers' }]);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  it("refuses a batch over the plan's size with one error", async () => {
    const res = await gateway().post(
      '/rpc/node_mine',
      Array.from({ length: 5 }, (_, i) => ({ ...blocked, id: i })),
    );
    expect(await res.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32600,
        message: "A batch of 5 calls exceeds the plan's limit of 4",
        data: { reason: 'batch-too-large', maxBatchSize: 4 },
      },
    });
  });

  it('refuses a body over the size limit with 413', async () => {
    const res = await gateway({ maxBodyBytes: 64 }).post('/rpc/node_mine', { ...blocked, params: ['x'.repeat(100)] });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('meters nothing for refused calls', async () => {
    const g = gateway();
    await g.post('/rpc/node_mine', [blocked, 1]);
    expect(g.recorded).toEqual([]);
  });
});

describe('gateway bodies at the edge of the size limit', () => {
  it('refuses params nested deeper than any method takes with -32600, never a 500', async () => {
    const g = gateway();
    const depth = 200_000;
    const params = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const response = await g.post('/rpc/node_mine', `{"jsonrpc":"2.0","id":7,"method":"eth_call","params":${params}}`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ id: 7, error: { code: -32600, message: expect.stringMatching(/nested deeper/) } });
  });

  it('still forwards the deepest params Ethereum methods take', async () => {
    const g = gateway();
    const filter = { jsonrpc: '2.0', id: 8, method: 'eth_getLogs', params: [{ topics: [[null, ['0x01']]] }] };
    const body = await (await g.post('/rpc/node_mine', filter)).json();
    // The node URL is a closed port: the call got past validation to the upstream step.
    expect(body.error.data.reason).toBe('upstream-unreachable');
  });
});

describe('gateway rate limiting', () => {
  it('answers 429 with Retry-After once the key has used its burst, and lets it through after a wait', async () => {
    const g = gateway();
    for (let i = 0; i < 3; i++) expect((await g.post('/rpc/node_mine', blocked)).status).toBe(200);
    const refused = await g.post('/rpc/node_mine', blocked);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    g.advance(500);
    expect((await g.post('/rpc/node_mine', blocked)).status).toBe(200);
  });

  it('counts a batch as its number of calls', async () => {
    const g = gateway();
    expect((await g.post('/rpc/node_mine', [blocked, blocked, blocked])).status).toBe(200);
    expect((await g.post('/rpc/node_mine', blocked)).status).toBe(429);
  });

  it('takes one token for a batch refused for its size', async () => {
    const g = gateway();
    const oversized = Array.from({ length: 5 }, (_, i) => ({ ...blocked, id: i }));
    expect((await g.post('/rpc/node_mine', oversized)).status).toBe(200);
    expect((await g.post('/rpc/node_mine', [blocked, blocked])).status).toBe(200);
  });
});

describe('gateway logs', () => {
  it('never writes the API key, and logs the path form redacted', async () => {
    const g = gateway();
    await g.post(`/rpc/node_mine/${KEY}`, blocked, {});
    await g.post('/rpc/node_mine', blocked);
    await g.post(`/rpc/node_mine/${KEY}`, '{', {});
    expect(g.lines.length).toBeGreaterThanOrEqual(3);
    expect(g.lines.join('\n')).not.toContain(KEY);
    expect(g.lines.map((line) => JSON.parse(line).path)).toContain('/rpc/node_mine/[redacted]');
  });
});
