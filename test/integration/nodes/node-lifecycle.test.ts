/**
 * A member asks for a managed node on the default network and gets a running node of that chain; two
 * organisations' nodes see the same transactions; stop, start and delete move it through its lifecycle.
 */
import { JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeIdentityOfNodeId } from '../../../shared/chain/besu/node-key.ts';
import { type InProcessRuntime, startInProcessRuntime } from '../../support/in-process-runtime.ts';

let env: InProcessRuntime;
let networkId: string;
let chainId: number;

beforeAll(async () => {
  env = await startInProcessRuntime();
  const anyone = await env.user();
  const networks = await env.call('GET', '/v1/networks', { token: anyone.token });
  const network = networks.json.items.find((n: { name: string }) => n.name === 'carechain-dev');
  networkId = network.id;
  chainId = network.chainId;
}, 60_000);
afterAll(() => env.close());

/** The node's private endpoint, as the gateway and the monitor use it (tenants get the gateway URL). */
async function privateRpc(orgId: string, nodeId: string) {
  const record = await env.runtime.deps.stores.nodes.get(orgId, nodeId);
  if (!record?.endpoints.rpcUrl) throw new Error('node has no endpoint');
  return new JsonRpcProvider(record.endpoints.rpcUrl, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
    pollingInterval: 50,
  });
}

describe('managed nodes on the local runtime', () => {
  it('has a default free-gas QBFT network with the platform as genesis validator', async () => {
    const { token } = await env.user();
    const network = await env.call('GET', `/v1/networks/${networkId}`, { token });
    expect(network.json).toMatchObject({ name: 'carechain-dev', consensus: 'qbft', freeGas: true, status: 'active' });
    expect(network.json.validators).toHaveLength(1);
    const genesis = await env.call('GET', `/v1/networks/${networkId}/genesis`, { token });
    expect(genesis.json.config).toMatchObject({ chainId, zeroBaseFee: true, qbft: { blockperiodseconds: 2 } });
  });

  it('lets an operator create a network without naming validators: the platform seals it', async () => {
    const token = await env.operatorToken();
    const platform = await env.call('GET', '/v1/platform', { token });
    const created = await env.call('POST', '/v1/networks', {
      token,
      body: { name: 'carechain-lab', chainId: 1_337_901, blockPeriodSeconds: 1 },
    });
    expect(created.status).toBe(201);
    expect(created.json.validators).toEqual([platform.json.signingAddress]);
    const { token: member, orgId } = await env.user('Lab Clinic');
    const node = await env.call('POST', `/v1/orgs/${orgId}/nodes`, {
      token: member,
      body: { networkId: created.json.id },
    });
    expect(node.json.runtime).toBe('anvil');
    await env.waitForNode(member, orgId, node.json.id, (n) => n.state === 'running');
    const provider = await privateRpc(orgId, node.json.id);
    expect(Number(await provider.send('eth_chainId', []))).toBe(1_337_901);
    provider.destroy();
  });

  it('takes a node from POST to running with an endpoint that answers with the network’s chain id', async () => {
    const { token, orgId } = await env.user();
    const created = await env.call('POST', `/v1/orgs/${orgId}/nodes`, { token, body: { networkId } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ state: 'requested', runtime: 'anvil', sharedChain: true, enode: null });
    const running = await env.waitForNode(token, orgId, created.json.id, (n) => n.state === 'running');
    expect(running.rpcUrl).toBe(`${env.runtime.url}/rpc/${created.json.id}`);
    expect(running.runtimeNote).toMatch(/shared by every node of the network/);
    const provider = await privateRpc(orgId, created.json.id);
    expect(Number((await provider.getNetwork()).chainId)).toBe(chainId);

    const audit = await env.call('GET', `/v1/orgs/${orgId}/audit`, { token });
    const actions = audit.json.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['node.requested', 'node.provisioning', 'node.starting', 'node.running']),
    );
  });

  it('lets two organisations’ nodes on one network see the same transactions', async () => {
    const a = await env.user('Apotek');
    const b = await env.user('Försäkring');
    const nodeA = await env.call('POST', `/v1/orgs/${a.orgId}/nodes`, { token: a.token, body: { networkId } });
    const nodeB = await env.call('POST', `/v1/orgs/${b.orgId}/nodes`, { token: b.token, body: { networkId } });
    await env.waitForNode(a.token, a.orgId, nodeA.json.id, (n) => n.state === 'running');
    await env.waitForNode(b.token, b.orgId, nodeB.json.id, (n) => n.state === 'running');

    const providerA = await privateRpc(a.orgId, nodeA.json.id);
    const providerB = await privateRpc(b.orgId, nodeB.json.id);
    const sender = Wallet.createRandom().connect(providerA);
    const tx = await sender.sendTransaction({ to: Wallet.createRandom().address, value: 0n, gasPrice: 0n });
    const receipt = await tx.wait();
    expect(receipt?.status).toBe(1);
    const seenByB = await providerB.getTransaction(tx.hash);
    expect(seenByB?.from).toBe(sender.address);
  });

  it('stops, starts and deletes a node', async () => {
    const { token, orgId } = await env.user();
    const created = await env.call('POST', `/v1/orgs/${orgId}/nodes`, {
      token,
      body: { networkId, role: 'validator' },
    });
    const id = created.json.id;
    await env.waitForNode(token, orgId, id, (n) => n.state === 'running');

    expect((await env.call('POST', `/v1/orgs/${orgId}/nodes/${id}/stop`, { token })).status).toBe(202);
    await env.waitForNode(token, orgId, id, (n) => n.state === 'stopped');
    expect((await env.call('POST', `/v1/orgs/${orgId}/nodes/${id}/start`, { token })).status).toBe(202);
    await env.waitForNode(token, orgId, id, (n) => n.state === 'running');

    expect((await env.call('DELETE', `/v1/orgs/${orgId}/nodes/${id}`, { token })).status).toBe(202);
    const deadline = Date.now() + 20_000;
    let record = await env.runtime.deps.stores.nodes.get(orgId, id);
    while (record?.state !== 'terminated' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      record = await env.runtime.deps.stores.nodes.get(orgId, id);
    }
    expect(record?.state).toBe('terminated');
    expect((await env.call('GET', `/v1/orgs/${orgId}/nodes/${id}`, { token })).status).toBe(404);
    const listed = await env.call('GET', `/v1/orgs/${orgId}/nodes`, { token });
    expect(listed.json.items).toEqual([]);
  });

  it('creates one node for one Idempotency-Key, and refuses the key for another request', async () => {
    const { token, orgId } = await env.user();
    const send = (body: unknown) =>
      fetch(`${env.runtime.url}/v1/orgs/${orgId}/nodes`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': 'create-node-0001',
        },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as { id: string } }));
    const [first, second] = await Promise.all([send({ networkId }), send({ networkId })]);
    const third = await send({ networkId });
    expect(first.status).toBe(201);
    expect(second.json.id).toBe(first.json.id);
    expect(third.json.id).toBe(first.json.id);
    const listed = await env.call('GET', `/v1/orgs/${orgId}/nodes`, { token });
    expect(listed.json.items).toHaveLength(1);
    const other = await send({ networkId, size: 'large' });
    expect(other.status).toBe(409);
  });

  it('shows operators the whole fleet, and nobody else', async () => {
    const { token } = await env.user();
    const ops = await env.call('GET', '/v1/ops/nodes', { token: await env.operatorToken() });
    expect(ops.status).toBe(200);
    expect(ops.json.items.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ops.json.items.map((n: { orgId: string }) => n.orgId)).size).toBeGreaterThanOrEqual(3);
    expect((await env.call('GET', '/v1/ops/nodes', { token })).status).toBe(403);
  });

  it('serves Prometheus metrics on the local server, gateway requests and the fleet included', async () => {
    const { token, orgId } = await env.user('Metrics Clinic');
    const node = await env.call('POST', `/v1/orgs/${orgId}/nodes`, { token, body: { networkId } });
    await env.waitForNode(token, orgId, node.json.id, (n) => n.state === 'running');
    const key = await env.call('POST', `/v1/orgs/${orgId}/api-keys`, { token, body: { name: 'm', scopes: ['rpc'] } });
    const rpc = await fetch(`${env.runtime.url}/rpc/${node.json.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.json.secret}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    });
    expect(rpc.status).toBe(200);

    const response = await fetch(`${env.runtime.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^carechain_nodes\{state="running",health="[a-z]+",runtime="anvil",hosting="managed"\} \d+/m);
    expect(text).toMatch(
      /^carechain_http_requests_total\{app="gateway",method="POST",route="\/rpc\/:nodeId",status="200"\} \d+/m,
    );
    expect(text).toContain('# TYPE carechain_usage_unflushed gauge');
  });

  it('counts a failed login against the socket address it came from', async () => {
    const failed = await env.call('POST', '/v1/auth/login', {
      body: { email: 'nobody@lifecycle.example', password: 'not the password at all' },
    });
    expect(failed.status).toBe(401);
    const users = env.runtime.deps.stores.users;
    const counts = await Promise.all(['127.0.0.1', '::ffff:127.0.0.1', '::1'].map((a) => users.failedLoginsFrom(a)));
    expect(counts.reduce((sum, { count }) => sum + count, 0)).toBe(1);
  });

  it('registers a self-hosted node and hands out its join bundle', async () => {
    const { token, orgId } = await env.user('Vårdcentral');
    const created = await env.call('POST', `/v1/orgs/${orgId}/nodes`, {
      token,
      body: { networkId, hosting: 'self-hosted', name: 'laptop-node' },
    });
    expect(created.status).toBe(201);
    expect(created.json.runtime).toBe('external');
    const bundle = await env.call('GET', `/v1/orgs/${orgId}/nodes/${created.json.id}/join-bundle`, { token });
    expect(bundle.status).toBe(200);
    expect(Object.keys(bundle.json.files).sort()).toEqual([
      'README.md',
      'config.toml',
      'genesis.json',
      'static-nodes.json',
    ]);
    expect(bundle.json.startCommand).toBe('besu --config-file=config.toml');
    expect(JSON.parse(bundle.json.files['genesis.json']).config.chainId).toBe(chainId);
    const running = await env.waitForNode(token, orgId, created.json.id, (n) => n.state === 'running');
    expect(running.reason).toMatch(/not monitored/);
    const enode = `enode://${'ab'.repeat(64)}@203.0.113.7:30303`;
    const patched = await env.call('PATCH', `/v1/orgs/${orgId}/nodes/${created.json.id}`, { token, body: { enode } });
    expect(patched.json.enode).toBe(enode);
    // The address the registered enode implies is what governance names the node by.
    await env.runtime.reconciler.reconcileAll();
    const identified = await env.call('GET', `/v1/orgs/${orgId}/nodes/${created.json.id}`, { token });
    expect(identified.json.validatorAddress).toBe(nodeIdentityOfNodeId('ab'.repeat(64)).address);
    expect(identified.json.enode).toBe(enode);

    const managed = await env.call('POST', `/v1/orgs/${orgId}/nodes`, { token, body: { networkId } });
    const refused = await env.call('GET', `/v1/orgs/${orgId}/nodes/${managed.json.id}/join-bundle`, { token });
    expect(refused.status).toBe(400);
  });
});
