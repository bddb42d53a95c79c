/**
 * LocalNodeProvider against real anvil processes in a temporary data directory: shared chains, supervision after
 * kill -9, re-adoption by a restarted control plane, and no anvil left after close().
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LocalNodeProvider,
  type LocalNodeProviderOptions,
} from '../../../shared/adapters/local/local-node-provider.ts';
import { isProcessAlive } from '../../../shared/adapters/local/process-control.ts';
import type { Network } from '../../../shared/domain/network.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { ConflictError, NotFoundError, ServiceUnavailableError, ValidationError } from '../../../shared/errors.ts';
import { aNetwork, aNode } from '../../unit/providers/node-fixtures.ts';

const seenPids = new Set<number>();
const openProviders: LocalNodeProvider[] = [];
const children: ChildProcess[] = [];
let dataDir: string;

async function openProvider(options: Partial<LocalNodeProviderOptions> = {}): Promise<LocalNodeProvider> {
  const provider = await LocalNodeProvider.open({
    dataDir,
    stateIntervalSeconds: 1,
    exitPollMs: 100,
    stopTimeoutMs: 5_000,
    restartPolicy: { initialBackoffMs: 100, maxBackoffMs: 500 },
    ...options,
  });
  openProviders.push(provider);
  return provider;
}

function trackedPid(provider: LocalNodeProvider, networkId: string): number {
  const pid = provider.chainPid(networkId);
  if (pid === undefined) throw new Error(`no chain process for ${networkId}`);
  seenPids.add(pid);
  return pid;
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: unknown };
  if (body.error) throw new Error(JSON.stringify(body.error));
  return body.result;
}

function ethersProvider(url: string): JsonRpcProvider {
  return new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
}

/** A zero-balance key sends a zero-fee transaction: the chain is free-gas. Resolves once it is mined. */
async function sendFreeTransaction(url: string): Promise<string> {
  const wallet = Wallet.createRandom().connect(ethersProvider(url));
  const tx = await wallet.sendTransaction({ to: Wallet.createRandom().address, value: 0n, gasPrice: 0n, type: 0 });
  const receipt = await tx.wait(1, 10_000);
  if (!receipt) throw new Error('transaction not mined');
  return tx.hash;
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function runningUrl(provider: LocalNodeProvider, node: NodeRecord): Promise<string> {
  const description = await provider.describe(node);
  if (description.status !== 'running' || !description.rpcUrl) throw new Error(`node is ${description.status}`);
  return description.rpcUrl;
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'carechain-provider-'));
});

afterEach(async () => {
  await Promise.allSettled(openProviders.splice(0).map((provider) => provider.close()));
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

afterAll(() => {
  for (const pid of seenPids) {
    if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  }
});

describe('LocalNodeProvider on real anvil chains', () => {
  it('serves a provisioned node from its network chain with the network chain id and free gas', async () => {
    const funded = Wallet.createRandom().address;
    const network = aNetwork({ chainId: 1_337_911, alloc: { [funded]: { balance: '1000' } } });
    const node = aNode(network);
    const provider = await openProvider();

    const { providerRef } = await provider.provision({ node, network, clientToken: node.id });
    const description = await provider.describe({ ...node, providerRef });

    expect(description).toMatchObject({ status: 'running', sharedChain: true });
    expect(description.enode).toBeUndefined();
    expect(description.detail).toMatch(/no enode/);
    const url = description.rpcUrl!;
    expect(Number(await rpc(url, 'eth_chainId'))).toBe(1_337_911);
    expect(await rpc(url, 'eth_accounts')).toEqual([]);
    expect(BigInt((await rpc(url, 'eth_getBalance', [funded, 'latest'])) as string)).toBe(1000n);
    await sendFreeTransaction(url);
    trackedPid(provider, network.id);
  });

  it('gives two nodes of one network one chain process, where both see the same transaction', async () => {
    const network = aNetwork();
    const first = aNode(network);
    const second = aNode(network, { name: 'apoteket-1' });
    const provider = await openProvider();

    await provider.provision({ node: first, network, clientToken: first.id });
    const pidAfterFirst = trackedPid(provider, network.id);
    await provider.provision({ node: second, network, clientToken: second.id });

    expect(trackedPid(provider, network.id)).toBe(pidAfterFirst);
    const hash = await sendFreeTransaction(await runningUrl(provider, first));
    const receipt = (await rpc(await runningUrl(provider, second), 'eth_getTransactionReceipt', [hash])) as {
      status: string;
    };
    expect(receipt.status).toBe('0x1');
  });

  it('returns the same reference for a repeated provision and refuses a token used by another node', async () => {
    const network = aNetwork();
    const node = aNode(network);
    const provider = await openProvider();

    const first = await provider.provision({ node, network, clientToken: 'token-1' });
    const pid = trackedPid(provider, network.id);
    const again = await provider.provision({ node, network, clientToken: 'token-1' });

    expect(again).toEqual(first);
    expect(provider.chainPid(network.id)).toBe(pid);
    await expect(provider.provision({ node: aNode(network), network, clientToken: 'token-1' })).rejects.toThrow(
      ConflictError,
    );
  });

  it('refuses to run a network under a chain id other than the one its chain was created with', async () => {
    const network = aNetwork();
    const provider = await openProvider();
    await provider.provision({ node: aNode(network), network, clientToken: 'a' });
    trackedPid(provider, network.id);

    const changed = { ...network, chainId: network.chainId + 1 };
    await expect(provider.provision({ node: aNode(network), network: changed, clientToken: 'b' })).rejects.toThrow(
      ConflictError,
    );
  });

  it('restarts a chain killed with -9 and keeps the transactions saved before the kill', async () => {
    const network = aNetwork();
    const node = aNode(network);
    const provider = await openProvider();
    await provider.provision({ node, network, clientToken: node.id });
    const url = await runningUrl(provider, node);
    const pid = trackedPid(provider, network.id);
    const hash = await sendFreeTransaction(url);
    const statePath = join(dataDir, 'chains', network.id, 'state.json');
    await waitFor('the transaction in the saved state', async () =>
      (await readFile(statePath, 'utf8').catch(() => '')).includes(hash.slice(2)),
    );

    process.kill(pid, 'SIGKILL');
    const newPid = await waitFor('a new chain process', () => {
      const current = provider.chainPid(network.id);
      return current !== undefined && current !== pid ? current : undefined;
    });
    seenPids.add(newPid);

    const receipt = await rpc(await runningUrl(provider, node), 'eth_getTransactionReceipt', [hash]);
    expect(receipt).not.toBeNull();
    expect(await runningUrl(provider, node)).toBe(url);
  });

  it('keeps the chain while another node of the network serves, and stops it with the last one', async () => {
    const network = aNetwork();
    const first = aNode(network);
    const second = aNode(network);
    const provider = await openProvider();
    await provider.provision({ node: first, network, clientToken: first.id });
    await provider.provision({ node: second, network, clientToken: second.id });
    const pid = trackedPid(provider, network.id);
    const hash = await sendFreeTransaction(await runningUrl(provider, first));

    await provider.stop(first);
    expect((await provider.describe(first)).status).toBe('stopped');
    expect((await provider.describe(first)).rpcUrl).toBeUndefined();
    expect(isProcessAlive(pid)).toBe(true);

    await provider.stop(second);
    expect(isProcessAlive(pid)).toBe(false);
    await provider.stop(second);

    await provider.start(first);
    trackedPid(provider, network.id);
    expect(await rpc(await runningUrl(provider, first), 'eth_getTransactionReceipt', [hash])).not.toBeNull();
    expect((await provider.describe(second)).status).toBe('stopped');
  });

  it('describes an unknown node as missing, deprovisions idempotently and refuses to start an unknown node', async () => {
    const network = aNetwork();
    const node = aNode(network);
    const provider = await openProvider();
    await provider.provision({ node, network, clientToken: node.id });
    const pid = trackedPid(provider, network.id);

    await provider.deprovision(node);
    await provider.deprovision(node);

    expect((await provider.describe(node)).status).toBe('missing');
    expect(isProcessAlive(pid)).toBe(false);
    expect(await provider.inventory()).toEqual([]);
    await expect(provider.start(node)).rejects.toThrow(NotFoundError);
  });

  it('lists provisioned nodes with their organisation and network in the inventory', async () => {
    const network = aNetwork();
    const node = aNode(network);
    const provider = await openProvider();
    const { providerRef } = await provider.provision({ node, network, clientToken: node.id });
    trackedPid(provider, network.id);

    expect(await provider.inventory()).toEqual([
      { providerRef, nodeId: node.id, networkId: network.id, orgId: node.orgId, status: 'running' },
    ]);
  });

  it('re-adopts the live chain (same pid) after the control plane is killed with -9', async () => {
    const network = aNetwork();
    const node = aNode(network);
    const crashed = await startControlPlaneProcess(network, node);
    seenPids.add(crashed.chainPid);
    const hash = await sendFreeTransaction(crashed.rpcUrl);

    crashed.process.kill('SIGKILL');
    await waitFor('the control plane to exit', () => crashed.process.exitCode !== null || crashed.process.signalCode);
    expect(isProcessAlive(crashed.chainPid)).toBe(true);

    const provider = await openProvider();
    expect(provider.chainPid(network.id)).toBe(crashed.chainPid);
    expect(await runningUrl(provider, node)).toBe(crashed.rpcUrl);
    expect(await rpc(crashed.rpcUrl, 'eth_getTransactionReceipt', [hash])).not.toBeNull();

    await provider.close();
    expect(isProcessAlive(crashed.chainPid)).toBe(false);
  });

  it('restarts from saved state a chain that died with the control plane', async () => {
    const network = aNetwork();
    const node = aNode(network);
    const crashed = await startControlPlaneProcess(network, node);
    seenPids.add(crashed.chainPid);
    const hash = await sendFreeTransaction(crashed.rpcUrl);
    const statePath = join(dataDir, 'chains', network.id, 'state.json');
    await waitFor('the transaction in the saved state', async () =>
      (await readFile(statePath, 'utf8').catch(() => '')).includes(hash.slice(2)),
    );

    crashed.process.kill('SIGKILL');
    process.kill(crashed.chainPid, 'SIGKILL');
    await waitFor('the chain to die', () => !isProcessAlive(crashed.chainPid));

    const provider = await openProvider();
    const pid = trackedPid(provider, network.id);
    expect(pid).not.toBe(crashed.chainPid);
    expect(await rpc(await runningUrl(provider, node), 'eth_getTransactionReceipt', [hash])).not.toBeNull();
  });

  it('recovers from a torn state file with the last good copy', async () => {
    const network = aNetwork();
    const node = aNode(network);
    const provider = await openProvider();
    await provider.provision({ node, network, clientToken: node.id });
    trackedPid(provider, network.id);
    const hash = await sendFreeTransaction(await runningUrl(provider, node));
    await provider.stop(node);
    // The next start copies the complete state aside before anvil loads it; then a kill -9 mid-write tears it.
    await provider.start(node);
    await provider.stop(node);
    const statePath = join(dataDir, 'chains', network.id, 'state.json');
    const saved = await readFile(statePath, 'utf8');
    await writeFile(statePath, saved.slice(0, saved.length / 2));

    await provider.start(node);
    trackedPid(provider, network.id);

    expect(await rpc(await runningUrl(provider, node), 'eth_getTransactionReceipt', [hash])).not.toBeNull();
    expect((await provider.describe(node)).detail).toMatch(/torn/);
  });

  it('leaves a healthy shared chain alone on restart, and replaces a hung one', async () => {
    const network = aNetwork();
    const node = aNode(network);
    const provider = await openProvider({ stopTimeoutMs: 500 });
    await provider.provision({ node, network, clientToken: node.id });
    const pid = trackedPid(provider, network.id);

    await provider.restart(node);
    expect(provider.chainPid(network.id)).toBe(pid);

    process.kill(pid, 'SIGSTOP');
    // Signal delivery is asynchronous: probe only once every thread of the process has stopped.
    await waitFor('the chain to stop', async () => {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
    });
    await provider.restart(node);

    const replacement = trackedPid(provider, network.id);
    expect(replacement).not.toBe(pid);
    expect(isProcessAlive(pid)).toBe(false);
    expect(Number(await rpc(await runningUrl(provider, node), 'eth_chainId'))).toBe(network.chainId);
  });

  it('does not start a new empty chain over a torn state without a good copy, and says why', async () => {
    const network = aNetwork();
    const node = aNode(network);
    const provider = await openProvider();
    await provider.provision({ node, network, clientToken: node.id });
    trackedPid(provider, network.id);
    await provider.stop(node);
    const chainDir = join(dataDir, 'chains', network.id);
    await rm(join(chainDir, 'state.good.json'), { force: true });
    await writeFile(join(chainDir, 'state.json'), '{"block":{"number"');

    await expect(provider.start(node)).rejects.toThrow(ServiceUnavailableError);

    const description = await provider.describe(node);
    expect(description.status).toBe('failed');
    expect(description.detail).toMatch(/torn and there is no good copy/);
    expect(provider.chainPid(network.id)).toBeUndefined();
  });

  it('refuses nodes of another runtime and ids that are not safe directory names', async () => {
    const network = aNetwork();
    const provider = await openProvider();

    await expect(
      provider.provision({ node: aNode(network, { runtime: 'ec2' }), network, clientToken: 'x' }),
    ).rejects.toThrow(ValidationError);
    const escaping = { ...network, id: '../outside' };
    await expect(provider.provision({ node: aNode(escaping), network: escaping, clientToken: 'x' })).rejects.toThrow(
      ValidationError,
    );
  });

  it('leaves no anvil process after close()', async () => {
    const provider = await openProvider();
    const pids: number[] = [];
    for (const network of [aNetwork(), aNetwork()]) {
      await provider.provision({ node: aNode(network), network, clientToken: 'close' });
      pids.push(trackedPid(provider, network.id));
    }

    await provider.close();
    await provider.close();

    expect(pids.map(isProcessAlive)).toEqual([false, false]);
  });
});

interface CrashedControlPlane {
  readonly process: ChildProcess;
  readonly chainPid: number;
  readonly rpcUrl: string;
}

/** A separate control-plane process that provisions a node and then waits to be killed. */
async function startControlPlaneProcess(network: Network, node: NodeRecord): Promise<CrashedControlPlane> {
  const script = join(import.meta.dirname, 'control-plane-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, CARECHAIN_TEST_INPUT: JSON.stringify({ dataDir, network, node }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const first = await Promise.race([
    new Promise<string>((resolve) => lines.once('line', resolve)),
    sleep(20_000).then(() => {
      throw new Error('the control-plane process did not report');
    }),
  ]);
  lines.close();
  const { chainPid, rpcUrl } = JSON.parse(first) as { chainPid: number; rpcUrl: string };
  return { process: child, chainPid, rpcUrl };
}
