/**
 * The platform sends its own work only to nodes it runs. Organisation B registers a self-hosted node whose RPC URL
 * is a server B controls, with the id that sorts first on the network; that server answers the chain id (so the
 * node is recorded as running) and forges every other answer. Governance — the contract's deployment, the
 * background pass, reads, the platform's own proposals and votes, and B's own proposal — and the signing API's
 * transactions still go through organisation A's managed node, and B's server only ever sees the health probe and
 * chain-id check of B's own node. Real dynalite, real anvil, the local vault.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestedNode } from '../../../shared/domain/node.ts';
import { type GovernanceEnv, startGovernanceEnv } from './governance-api-fixture.ts';

/** A node B controls: right chain id, forged everything else; it records every method it is asked. */
async function startForgingNode(chainId: number): Promise<{ url: string; methods: string[]; server: Server }> {
  const methods: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        methods.push(`${request.method} ${request.url}`);
        response.writeHead(200).end('ok');
        return;
      }
      const calls = (Array.isArray(parsed) ? parsed : [parsed]) as { id: unknown; method: string }[];
      const answers = calls.map((call) => {
        methods.push(call.method);
        const result =
          call.method === 'eth_chainId'
            ? `0x${chainId.toString(16)}`
            : call.method === 'eth_syncing'
              ? false
              : call.method === 'eth_blockNumber' || call.method === 'net_peerCount'
                ? '0x1'
                : '0x';
        return { jsonrpc: '2.0', id: call.id, result };
      });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(Array.isArray(parsed) ? answers : answers[0]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, methods, server };
}

/** What the platform may ask a member's own node: its chain id, and the health probe's batch. */
const PROBE_METHODS = new Set(['eth_chainId', 'eth_blockNumber', 'eth_syncing', 'net_peerCount']);

const CHAIN_ID = 4_242_014;
let g: GovernanceEnv;
let forging: Awaited<ReturnType<typeof startForgingNode>>;
let operator: string;
let networkId: string;
let a: { token: string; orgId: string; key: { id: string; address: string } };
let b: { token: string; orgId: string; key: { id: string; address: string }; nodeId: string };

beforeAll(async () => {
  [g, forging] = await Promise.all([startGovernanceEnv(), startForgingNode(CHAIN_ID)]);
  operator = await g.operatorToken();
  const network = await g.expectStatus(
    await g.call('POST', '/v1/networks', {
      token: operator,
      body: { name: 'member-node-trust', chainId: CHAIN_ID, blockPeriodSeconds: 1 },
    }),
    201,
  );
  networkId = network.id;
  const [orgA, orgB] = [await g.organisation('Region Trust Hospital'), await g.organisation('Member Node Clinic')];
  const [aKey, bKey] = await Promise.all([
    g.signingKey(orgA.token, orgA.orgId, 'consortium-member'),
    g.signingKey(orgB.token, orgB.orgId, 'consortium-member'),
  ]);
  await g.node(orgA.token, orgA.orgId, networkId);

  // B's self-hosted node, with the lowest id there is, so it lists before A's node on the network.
  const now = new Date().toISOString();
  const forged = requestedNode(
    {
      id: 'node_22222222222222222222',
      orgId: orgB.orgId,
      networkId,
      name: 'own-node',
      role: 'member',
      hosting: 'self-hosted',
      size: 'small',
      region: 'eu-north-1',
      runtime: 'external',
      endpoints: { rpcUrl: forging.url, p2pPort: undefined },
    },
    now,
  );
  await g.runtime.deps.stores.nodes.create(forged);
  g.runtime.deps.nodeChanged?.(forged);
  await g.waitForNode(orgB.token, orgB.orgId, forged.id, (n) => n.state === 'running');
  const listed = await g.runtime.deps.stores.nodes.listByNetwork(networkId);
  expect(listed[0]?.id).toBe(forged.id);

  a = { ...orgA, key: aKey };
  b = { ...orgB, key: bKey, nodeId: forged.id };
}, 90_000);

afterAll(async () => {
  await g?.close();
  await new Promise((resolve) => forging?.server.close(resolve));
});

describe('a member’s self-hosted node and the platform’s own work', () => {
  it('deploys the governance contract through a node the platform runs', async () => {
    const pass = await g.pass();
    expect(pass.failed).toBe(0);
    const network = await g.expectStatus(await g.call('GET', `/v1/networks/${networkId}`, { token: a.token }), 200);
    expect(network.governanceAddress).toMatch(/^0x[0-9a-fA-F]{40}$/);
  });

  it('answers governance reads for A from the chain, not from B’s server', async () => {
    const list = await g.expectStatus(
      await g.call('GET', `/v1/networks/${networkId}/proposals`, { token: a.token }),
      200,
    );
    expect(list.items).toEqual([]);
    const consortium = await g.expectStatus(
      await g.call('GET', `/v1/networks/${networkId}/governance`, { token: a.token }),
      200,
    );
    expect(consortium.members).toEqual([expect.objectContaining({ orgId: 'platform' })]);
  });

  it('sends the platform’s proposal and vote through a node it runs', async () => {
    const created = await g.expectStatus(
      await g.call('POST', `/v1/networks/${networkId}/proposals`, {
        token: operator,
        body: { kind: 'admit-member', actAsPlatform: true, orgId: a.orgId, memberKeyId: a.key.id },
      }),
      201,
    );
    const voted = await g.expectStatus(
      await g.call('POST', `/v1/networks/${networkId}/proposals/${created.id}/votes`, {
        token: operator,
        body: { actAsPlatform: true, support: true },
      }),
      200,
    );
    expect(voted.proposal.state).toBe('executed');
    expect((await g.pass()).failed).toBe(0);
  });

  it('sends B’s own governance transaction through a node the platform runs, where the contract answers', async () => {
    // B is not a member: the contract itself refuses, which only the real chain can say.
    const res = await g.call('POST', `/v1/networks/${networkId}/proposals`, {
      token: b.token,
      body: { kind: 'admit-member', keyId: b.key.id, orgId: b.orgId, memberKeyId: b.key.id },
    });
    expect(res.status).toBe(403);
    expect(res.json.detail).toContain('CallerNotMember');
  });

  it('refuses to send a signed transaction through a self-hosted node', async () => {
    const named = await g.call('POST', `/v1/orgs/${b.orgId}/keys/${b.key.id}/transactions`, {
      token: b.token,
      body: { to: a.key.address, value: '0', nodeId: b.nodeId },
    });
    expect(named.status).toBe(400);
    expect(named.json.errors).toEqual([expect.objectContaining({ path: 'body.nodeId' })]);
    const any = await g.call('POST', `/v1/orgs/${b.orgId}/keys/${b.key.id}/transactions`, {
      token: b.token,
      body: { to: a.key.address, value: '0' },
    });
    expect(any.status).toBe(409);
    expect(any.json.detail).toMatch(/no running managed node/);
  });

  it('asked B’s server nothing but the health probe and chain id of B’s own node', async () => {
    expect(forging.methods).toContain('eth_chainId');
    expect(forging.methods.filter((method) => !PROBE_METHODS.has(method))).toEqual([]);
  });
});
