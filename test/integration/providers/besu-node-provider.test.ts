/**
 * BesuNodeProvider with real processes in a temporary data directory. Besu cannot be installed here, so `besu` is
 * a stand-in executable (besu-stand-in.ts) that reads the generated config.toml and genesis.json and answers
 * Besu's JSON-RPC calls: the tests prove one process per node, enodes read back from the nodes and handed to their
 * peers, supervision after kill -9, re-adoption by a restarted control plane and no process left after close().
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Wallet } from 'ethers';
import { parse } from 'smol-toml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BesuNodeProvider, BesuNodeProviderOptions } from '../../../shared/adapters/local/besu-node-provider.ts';
import { isProcessAlive } from '../../../shared/adapters/local/process-control.ts';
import { genesisJson } from '../../../shared/chain/besu/genesis.ts';
import type { Network } from '../../../shared/domain/network.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/errors.ts';
import { aNetwork, aNode } from '../../unit/providers/node-fixtures.ts';
import { writeBesuStandIn } from './besu-stand-in.ts';
import { openTestBesuProvider, rpc, waitFor } from './besu-test-support.ts';

const seenPids = new Set<number>();
const openProviders: BesuNodeProvider[] = [];
const children: ChildProcess[] = [];
let binDir: string;
let besuPath: string;
let dataDir: string;

function openProvider(options: Partial<BesuNodeProviderOptions> = {}): Promise<BesuNodeProvider> {
  return openTestBesuProvider({ dataDir, besuPath, ...options }, openProviders);
}

function aBesuNetwork(): Network {
  return aNetwork({ validators: [Wallet.createRandom().address] });
}

function aBesuNode(network: Network): NodeRecord {
  return aNode(network, { runtime: 'besu' });
}

function trackedPid(provider: BesuNodeProvider, nodeId: string): number {
  const pid = provider.nodePid(nodeId);
  if (pid === undefined) throw new Error(`no process for ${nodeId}`);
  seenPids.add(pid);
  return pid;
}

function nodeDir(nodeId: string): string {
  return join(dataDir, 'besu', nodeId);
}

beforeAll(async () => {
  binDir = await mkdtemp(join(tmpdir(), 'carechain-besu-bin-'));
  besuPath = await writeBesuStandIn(binDir);
});

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'carechain-besu-'));
});

afterEach(async () => {
  await Promise.allSettled(openProviders.splice(0).map((provider) => provider.close()));
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

afterAll(async () => {
  for (const pid of seenPids) {
    if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  await rm(binDir, { recursive: true, force: true });
});

describe('BesuNodeProvider with a stand-in besu executable', () => {
  it('runs each node as its own process with the enode the node reports, and peers the second with the first', async () => {
    const network = aBesuNetwork();
    const first = aBesuNode(network);
    const second = aBesuNode(network);
    const provider = await openProvider();

    await provider.provision({ node: first, network, clientToken: first.id });
    await provider.provision({ node: second, network, clientToken: second.id });

    const [one, two] = [await provider.describe(first), await provider.describe(second)];
    expect(one).toMatchObject({ status: 'running', sharedChain: false });
    expect(two).toMatchObject({ status: 'running', sharedChain: false });
    expect(trackedPid(provider, first.id)).not.toBe(trackedPid(provider, second.id));
    expect(one.rpcUrl).not.toBe(two.rpcUrl);
    const reported = (await rpc(one.rpcUrl!, 'admin_nodeInfo')) as { enode: string };
    expect(one.enode).toBe(reported.enode);
    expect(one.enode).toMatch(new RegExp(`^enode://[0-9a-f]{128}@127\\.0\\.0\\.1:${one.p2pPort}`));
    expect(two.enode).toBe(((await rpc(two.rpcUrl!, 'admin_nodeInfo')) as { enode: string }).enode);
    expect(two.enode).not.toBe(one.enode);
    expect(one.detail).toMatch(/Node key address 0x[0-9a-fA-F]{40} \(from admin_nodeInfo\)/);

    const staticNodes = JSON.parse(await readFile(join(nodeDir(second.id), 'static-nodes.json'), 'utf8'));
    const config = parse(await readFile(join(nodeDir(second.id), 'config.toml'), 'utf8'));
    expect(staticNodes).toEqual([one.enode]);
    expect(config.bootnodes).toEqual([one.enode]);
    expect(config['rpc-http-host']).toBe('127.0.0.1');
    expect(config['p2p-host']).toBe('127.0.0.1');
    expect(config['rpc-http-port']).toBe(Number(new URL(two.rpcUrl!).port));
    expect(config['data-path']).toBe(join(nodeDir(second.id), 'data'));
    expect(await rpc(two.rpcUrl!, 'net_peerCount')).toBe('0x1');
    expect(await readFile(join(nodeDir(first.id), 'genesis.json'), 'utf8')).toBe(genesisJson(network));
  });

  it('treats a repeated provision as the same node and the same process', async () => {
    const network = aBesuNetwork();
    const node = aBesuNode(network);
    const provider = await openProvider();
    const { providerRef } = await provider.provision({ node, network, clientToken: 'token-1' });
    const pid = trackedPid(provider, node.id);

    expect(await provider.provision({ node, network, clientToken: 'token-1' })).toEqual({ providerRef });
    expect(provider.nodePid(node.id)).toBe(pid);
    await expect(
      provider.provision({ node: aBesuNode(network), network, clientToken: 'token-1' }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await provider.inventory()).toEqual([
      { providerRef, nodeId: node.id, networkId: network.id, orgId: node.orgId, status: 'running' },
    ]);
  });

  it('refuses nodes of another runtime and networks without a validator', async () => {
    const network = aBesuNetwork();
    const provider = await openProvider();
    await expect(provider.provision({ node: aNode(network), network, clientToken: 'token' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    const noValidators = aNetwork();
    await expect(
      provider.provision({ node: aBesuNode(noValidators), network: noValidators, clientToken: 'token' }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(provider.start(aBesuNode(network))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('restarts a node whose process is killed with -9', async () => {
    const network = aBesuNetwork();
    const node = aBesuNode(network);
    const provider = await openProvider();
    await provider.provision({ node, network, clientToken: node.id });
    const before = await provider.describe(node);
    const pid = trackedPid(provider, node.id);

    process.kill(pid, 'SIGKILL');
    const restarted = await waitFor('a new process', () => {
      const now = provider.nodePid(node.id);
      return now !== undefined && now !== pid ? now : undefined;
    });
    seenPids.add(restarted);

    const after = await provider.describe(node);
    expect(after.status).toBe('running');
    // The ports are kept when free, so the node's URL and enode survive its restart.
    expect(after.rpcUrl).toBe(before.rpcUrl);
    expect(after.enode).toBe(before.enode);
  });

  it('stops, starts and deprovisions a node, removing its directory', async () => {
    const network = aBesuNetwork();
    const node = aBesuNode(network);
    const provider = await openProvider();
    await provider.provision({ node, network, clientToken: node.id });
    const pid = trackedPid(provider, node.id);

    await provider.stop(node);
    expect(isProcessAlive(pid)).toBe(false);
    expect(await provider.describe(node)).toMatchObject({ status: 'stopped', sharedChain: false });
    await provider.start(node);
    expect((await provider.describe(node)).status).toBe('running');
    const restarted = trackedPid(provider, node.id);

    await provider.deprovision(node);
    await provider.deprovision(node);
    expect(isProcessAlive(restarted)).toBe(false);
    expect(existsSync(nodeDir(node.id))).toBe(false);
    expect((await provider.describe(node)).status).toBe('missing');
    expect(await provider.inventory()).toEqual([]);
  });

  it('re-adopts live processes (same pids) after the control plane is killed with -9', async () => {
    const network = aBesuNetwork();
    const nodes = [aBesuNode(network), aBesuNode(network)];
    const crashed = await startControlPlaneProcess(network, nodes);
    const pids = nodes.map((node) => crashed.pids[node.id]!);
    for (const pid of pids) seenPids.add(pid);

    crashed.process.kill('SIGKILL');
    await waitFor('the control plane to exit', () => crashed.process.exitCode !== null || crashed.process.signalCode);
    expect(pids.every(isProcessAlive)).toBe(true);

    const provider = await openProvider();
    expect(nodes.map((node) => provider.nodePid(node.id))).toEqual(pids);
    expect((await provider.describe(nodes[1]!)).status).toBe('running');

    // A re-adopted process is not our child: its death is found by polling, and it is restarted all the same.
    process.kill(pids[0]!, 'SIGKILL');
    const restarted = await waitFor('a new process', () => {
      const now = provider.nodePid(nodes[0]!.id);
      return now !== undefined && now !== pids[0] ? now : undefined;
    });
    seenPids.add(restarted);

    await provider.close();
    expect([restarted, pids[1]!].some(isProcessAlive)).toBe(false);
  });

  it('leaves no process after close(), and brings the nodes back on the next open()', async () => {
    const network = aBesuNetwork();
    const nodes = [aBesuNode(network), aBesuNode(network)];
    const provider = await openProvider();
    for (const node of nodes) await provider.provision({ node, network, clientToken: node.id });
    const pids = nodes.map((node) => trackedPid(provider, node.id));

    await provider.close();
    await provider.close();
    expect(pids.some(isProcessAlive)).toBe(false);

    const reopened = await openProvider();
    expect((await reopened.describe(nodes[0]!)).status).toBe('running');
    const again = nodes.map((node) => trackedPid(reopened, node.id));
    await reopened.close();
    expect(again.some(isProcessAlive)).toBe(false);
  });
});

interface CrashedControlPlane {
  readonly process: ChildProcess;
  readonly pids: Record<string, number>;
}

/** A separate control-plane process that provisions the nodes and then waits to be killed. */
async function startControlPlaneProcess(network: Network, nodes: NodeRecord[]): Promise<CrashedControlPlane> {
  const script = join(import.meta.dirname, 'besu-control-plane-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, CARECHAIN_TEST_INPUT: JSON.stringify({ dataDir, besuPath, network, nodes }) },
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
  return { process: child, pids: JSON.parse(first) as Record<string, number> };
}
