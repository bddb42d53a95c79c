/**
 * Crash safety of the real local control plane (a child process running `npm start`'s entry point):
 * five nodes requested, the control plane killed with SIGKILL mid-way, started again: every node ends running or
 * failed with a reason. A chain process killed with SIGKILL comes back with its state. After a clean stop no
 * anvil process is left.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { anvilPidsUnder, http, type LocalServer, startLocalServer } from '../../support/local-server.ts';

let dataDir: string;
let server: LocalServer | undefined;
const OPERATOR_PASSWORD = 'operator-password-1234';

afterAll(async () => {
  await server?.stop('SIGTERM');
  for (const pid of anvilPidsUnder(dataDir)) process.kill(pid, 'SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

let lastSeen = '';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  lastSeen = '';
  for (;;) {
    const value = await probe().catch((error: unknown) => {
      lastSeen = String(error);
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last seen: ${lastSeen}\n${server?.output() ?? ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

describe('crash safety', () => {
  it('survives kill -9 of the control plane and of a chain, and leaves no process behind', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'carechain-crash-'));
    const env = { CARECHAIN_OPERATOR_PASSWORD: OPERATOR_PASSWORD };
    server = await startLocalServer({ dataDir, env });
    let base = server.url;
    const signup = await http(base, 'POST', '/v1/auth/signup', {
      body: { email: 'crash@test.example', password: 'a long test password', name: 'Crash' },
    });
    const token = signup.json.token as string;
    const org = await http(base, 'POST', '/v1/orgs', { token, body: { name: 'Crash Clinic', type: 'care_provider' } });
    const orgId = org.json.id as string;
    const networks = await http(base, 'GET', '/v1/networks', { token });
    const networkId = networks.json.items[0].id as string;

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await http(base, 'POST', `/v1/orgs/${orgId}/nodes`, { token, body: { networkId } });
      expect(res.status).toBe(201);
      ids.push(res.json.id);
    }
    // Mid-way: some nodes are still being provisioned when the control plane dies.
    await server.stop('SIGKILL');

    server = await startLocalServer({ dataDir, env });
    base = server.url;
    // The killed process left its database marked open: its indexes are rebuilt before it serves again.
    expect(server.output()).toMatch(/not closed cleanly last time; its indexes were checked against its items/);
    const settled = await waitFor(
      'all nodes to settle',
      async () => {
        const list = await http(base, 'GET', `/v1/orgs/${orgId}/nodes`, { token });
        const nodes = list.json.items as Array<{ id: string; state: string; reason: string | null }>;
        lastSeen = JSON.stringify(nodes.map((n) => [n.id, n.state, n.reason]));
        return nodes.length === 5 && nodes.every((n) => n.state === 'running' || n.state === 'failed')
          ? nodes
          : undefined;
      },
      60_000,
    );
    expect(settled.map((n) => n.id).sort()).toEqual([...ids].sort());
    for (const node of settled) {
      if (node.state === 'failed') expect(node.reason).toBeTruthy();
    }
    expect(settled.filter((n) => n.state === 'running').length).toBeGreaterThan(0);
    // One chain process for the network, whatever happened to the control plane.
    expect(anvilPidsUnder(dataDir)).toHaveLength(1);

    // A transaction is mined, anvil's state interval passes, then the chain is killed.
    const login = await http(base, 'POST', '/v1/auth/login', {
      body: { email: 'operator@carechain.local', password: OPERATOR_PASSWORD },
    });
    const fleet = await http(base, 'GET', '/v1/ops/nodes', { token: login.json.token });
    expect(fleet.json.items.length).toBe(5);
    const [chainPid] = anvilPidsUnder(dataDir);
    const endpoint = await findChainEndpoint(dataDir);
    const provider = new JsonRpcProvider(endpoint, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
      pollingInterval: 50,
    });
    const wallet = Wallet.createRandom().connect(provider);
    const tx = await wallet.sendTransaction({ to: wallet.address, value: 0n, gasPrice: 0n });
    await tx.wait();
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    process.kill(chainPid ?? 0, 'SIGKILL');

    const restartedPid = await waitFor('the chain to be restarted', async () => {
      const pids = anvilPidsUnder(dataDir);
      return pids.length === 1 && pids[0] !== chainPid ? pids[0] : undefined;
    });
    expect(restartedPid).toBeGreaterThan(0);
    const after = await waitFor('the restarted chain to answer with the old transaction', async () => {
      const endpointNow = await findChainEndpoint(dataDir);
      const p = new JsonRpcProvider(endpointNow, undefined, { staticNetwork: true, cacheTimeout: -1 });
      return (await p.getTransaction(tx.hash)) ?? undefined;
    });
    expect(after.from).toBe(wallet.address);

    await server.stop('SIGTERM');
    server = undefined;
    expect(anvilPidsUnder(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'dynamodb.open'))).toBe(false);
  }, 180_000);
});

/** The chain's current endpoint, from the port file the local provider keeps beside the chain's state. */
async function findChainEndpoint(dir: string): Promise<string> {
  const [networkDir] = await readdir(join(dir, 'chains'));
  const recorded = (await readFile(join(dir, 'chains', networkDir ?? '', 'anvil.port'), 'utf8')).trim();
  const port = recorded.match(/\d+$/)?.[0];
  if (!port) throw new Error('no chain port recorded yet');
  return `http://127.0.0.1:${port}`;
}
