/**
 * The local runtime in this process (real dynalite, real anvil chains, the local vault) with the governance routes
 * mounted on an app built from the runtime's own dependencies, and the governance job run on demand, so a test
 * decides when the control plane deploys, watches and executes. Helpers act as users would, through the API.
 */
import { type BaseContract, JsonRpcProvider } from 'ethers';
import { createApp } from '../../../functions/api/app.ts';
import { type GovernanceRouteDeps, registerGovernanceRoutes } from '../../../functions/api/routes/governance.routes.ts';
import { governanceJobDeps } from '../../../functions/services/governance/governance-deps.ts';
import { connectConsortiumGovernance } from '../../../shared/chain/contracts/consortium-governance.ts';
import { GovernanceRepository } from '../../../shared/store/governance.repository.ts';
import { startInProcessRuntime } from '../../support/in-process-runtime.ts';

export const OPERATOR = { email: 'operator@carechain.local', password: 'operator-password-1234' } as const;

export async function startGovernanceEnv() {
  const env = await startInProcessRuntime();
  const { runtime } = env;
  const governance = new GovernanceRepository(runtime.table, runtime.deps.clock);
  const deps: GovernanceRouteDeps = { ...runtime.deps, stores: { ...runtime.deps.stores, governance } };
  const app = createApp(runtime.deps);
  registerGovernanceRoutes(app, deps);
  const jobs = governanceJobDeps(deps, governance, { receiptTimeoutMs: 20_000 });

  async function call(method: string, path: string, init: { token?: string; apiKey?: string; body?: unknown } = {}) {
    const headers: Record<string, string> = {};
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.apiKey) headers['x-api-key'] = init.apiKey;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = await app.request(path, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await response.text();
    // biome-ignore lint/suspicious/noExplicitAny: test responses are checked field by field
    const json: any = text ? JSON.parse(text) : undefined;
    return { status: response.status, json, text, contentType: response.headers.get('content-type') };
  }

  async function expectStatus(res: Awaited<ReturnType<typeof call>>, status: number) {
    if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text}`);
    return res.json;
  }

  let users = 0;
  async function organisation(name: string) {
    users++;
    const signup = await call('POST', '/v1/auth/signup', {
      body: { email: `gov${users}@member${users}.example`, password: 'a long test password', name: `Member ${users}` },
    });
    const token = (await expectStatus(signup, 201)).token as string;
    const org = await expectStatus(await call('POST', '/v1/orgs', { token, body: { name, type: 'hospital' } }), 201);
    return { token, orgId: org.id as string };
  }

  async function operatorToken() {
    return (await expectStatus(await call('POST', '/v1/auth/login', { body: OPERATOR }), 200)).token as string;
  }

  async function signingKey(token: string, orgId: string, alias: string) {
    const res = await call('POST', `/v1/orgs/${orgId}/keys`, { token, body: { alias } });
    return (await expectStatus(res, 201)) as { id: string; address: string };
  }

  async function node(token: string, orgId: string, networkId: string) {
    const res = await call('POST', `/v1/orgs/${orgId}/nodes`, { token, body: { networkId } });
    const created = await expectStatus(res, 201);
    return (await waitForNode(token, orgId, created.id, (n) => n.state === 'running')) as { id: string };
  }

  async function waitForNode(token: string, orgId: string, nodeId: string, done: (n: { state: string }) => boolean) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await call('GET', `/v1/orgs/${orgId}/nodes/${nodeId}`, { token });
      if (res.status === 200 && done(res.json)) return res.json;
      if (Date.now() > deadline) throw new Error(`node ${nodeId} never reached the expected state: ${res.text}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The contract read directly through a running node of the network (what any member could do). */
  async function contract(networkId: string): Promise<{ governance: BaseContract; close(): void }> {
    const network = await runtime.deps.stores.networks.get(networkId);
    const nodes = await runtime.deps.stores.nodes.listByNetwork(networkId);
    const url = nodes.find((n) => n.state === 'running' && n.endpoints.rpcUrl)?.endpoints.rpcUrl;
    if (!network?.governanceAddress || !url) throw new Error('no deployed contract or running node to read from');
    const provider = new JsonRpcProvider(url, network.chainId, { staticNetwork: true, cacheTimeout: -1 });
    return {
      governance: await connectConsortiumGovernance(network.governanceAddress, provider),
      close: () => provider.destroy(),
    };
  }

  /** Any running node's private RPC URL on the network (for moving the anvil clock). */
  async function rpcUrlOf(networkId: string): Promise<string> {
    const nodes = await runtime.deps.stores.nodes.listByNetwork(networkId);
    const url = nodes.find((n) => n.state === 'running' && n.endpoints.rpcUrl)?.endpoints.rpcUrl;
    if (!url) throw new Error('no running node');
    return url;
  }

  return {
    env,
    runtime,
    governance,
    jobs,
    call,
    expectStatus,
    organisation,
    operatorToken,
    signingKey,
    node,
    waitForNode,
    contract,
    rpcUrlOf,
    /**
     * One governance pass through the runtime's own worker (joining one under way, then one more), so the test
     * never races the worker for the same decision.
     */
    pass: async () => {
      await runtime.governance.runNow();
      const report = await runtime.governance.runNow();
      if (!report) throw new Error('the governance pass failed; see the runtime log');
      return report;
    },
    close: () => env.close(),
  };
}

export type GovernanceEnv = Awaited<ReturnType<typeof startGovernanceEnv>>;
