/**
 * Deployment of the governance contract by the platform key is crash-safe: the signed transaction is recorded
 * before it is broadcast, and a deployer that finds a recorded attempt finishes it (same transaction, same
 * address), notices the contract is already there, or starts over when the nonce was spent otherwise — always
 * exactly one contract recorded per network. Real anvil, real dynalite, the local vault.
 */
import { getCreateAddress, type JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGovernanceWorker } from '../../../functions/local/governance-worker.ts';
import { openProvider, signWithNode } from '../../../functions/services/governance/governance-chain.ts';
import {
  ensureGovernanceDeployed,
  planDeployment,
} from '../../../functions/services/governance/governance-deployer.ts';
import { type GovernanceJobDeps, governanceJobDeps } from '../../../functions/services/governance/governance-deps.ts';
import { ensurePlatformKey } from '../../../functions/services/platform/platform-bootstrap.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { GovernanceRepository } from '../../../shared/store/governance.repository.ts';
import type { PlatformKey } from '../../../shared/store/platform.repository.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';
import { type AnvilChain, startAnvil } from '../governance/anvil-chain.ts';

let api: TestApi;
let chain: AnvilChain;
let platform: PlatformKey;
let deps: GovernanceJobDeps;

beforeAll(async () => {
  [api, chain] = await Promise.all([startTestApi(), startAnvil()]);
  platform = await ensurePlatformKey(api.deps.vault, api.stores.platform, new Date());
  deps = governanceJobDeps(api.deps, new GovernanceRepository(api.table, api.deps.clock), {
    receiptTimeoutMs: 10_000,
  });
}, 60_000);

afterAll(async () => {
  await chain?.stop();
  await api?.close();
});

const endpoint = () => ({ rpcUrl: chain.url, chainId: 31_337, nodeId: undefined });

async function network(options: { withNode: boolean }): Promise<Network> {
  const created = await api.stores.networks.create({
    id: newId('network'),
    name: `deploy-${Math.random().toString(36).slice(2, 10)}`,
    chainId: 31_337,
    consensus: 'qbft',
    blockPeriodSeconds: 2,
    validators: ['0x00000000000000000000000000000000000000Aa'],
    bootnodes: [],
    alloc: {},
    status: 'active',
    governanceAddress: undefined,
    createdAt: new Date().toISOString(),
    version: 1,
  });
  if (options.withNode) await addRunningNode(created);
  return created;
}

async function addRunningNode(net: Network) {
  const now = new Date().toISOString();
  await api.stores.nodes.create({
    id: newId('node'),
    orgId: newId('org'),
    networkId: net.id,
    name: 'member-1',
    role: 'member',
    hosting: 'managed',
    size: 'small',
    region: 'eu-north-1',
    runtime: 'anvil',
    state: 'running',
    desiredState: 'running',
    reason: undefined,
    endpoints: { rpcUrl: chain.url, p2pPort: undefined },
    enode: undefined,
    validatorAddress: undefined,
    providerRef: undefined,
    createdAt: now,
    updatedAt: now,
    stateChangedAt: now,
    version: 1,
  });
}

const nonceOfPlatform = () => chain.provider.getTransactionCount(platform.address, 'latest');

describe('deploying the governance contract', () => {
  it('waits while no node of the network runs, then deploys once one does', async () => {
    const net = await network({ withNode: false });
    expect(await ensureGovernanceDeployed(deps, net)).toBeUndefined();
    expect(await deps.governance.getDeployment(net.id)).toBeUndefined();

    await addRunningNode(net);
    const deployed = await ensureGovernanceDeployed(deps, net);
    expect(deployed?.network.governanceAddress).toBe(deployed?.deployment.address);
    expect(await chain.provider.getCode(deployed!.deployment.address)).not.toBe('0x');
    expect((await api.stores.networks.get(net.id))?.governanceAddress).toBe(deployed?.deployment.address);
    expect(deployed?.deployment.rawTransaction).toBeUndefined();
  });

  it('finishes an attempt recorded just before a crash: the same transaction, the predicted address', async () => {
    const net = await network({ withNode: true });
    const nonce = await nonceOfPlatform();
    const planned = await planDeployment(deps, net, endpoint(), platform, undefined);
    expect(planned).toMatchObject({
      state: 'sent',
      nonce,
      address: getCreateAddress({ from: platform.address, nonce }),
    });
    expect(await chain.provider.getCode(planned.address)).toBe('0x'); // never broadcast: the "crash"

    const deployed = await ensureGovernanceDeployed(deps, net);
    expect(deployed?.deployment).toMatchObject({ state: 'deployed', address: planned.address, attempt: 1 });
    expect((await chain.provider.getTransactionReceipt(planned.transactionHash))?.status).toBe(1);
    expect(await nonceOfPlatform()).toBe(nonce + 1);
  });

  it('does not deploy twice when the crash came after the broadcast', async () => {
    const net = await network({ withNode: true });
    const planned = await planDeployment(deps, net, endpoint(), platform, undefined);
    await (await chain.provider.broadcastTransaction(planned.rawTransaction!)).wait();
    const nonceAfterBroadcast = await nonceOfPlatform();

    const deployed = await ensureGovernanceDeployed(deps, net);
    expect(deployed?.deployment.address).toBe(planned.address);
    expect(await nonceOfPlatform()).toBe(nonceAfterBroadcast);
  });

  it('starts a new attempt when the recorded nonce was spent by another transaction', async () => {
    const net = await network({ withNode: true });
    const planned = await planDeployment(deps, net, endpoint(), platform, undefined);
    // Something else sends with the platform key first, taking the nonce the recorded deployment needed.
    const provider: JsonRpcProvider = openProvider(endpoint());
    try {
      const { signed } = await signWithNode(
        provider,
        { vault: api.deps.vault, keyRef: platform.keyRef, address: platform.address },
        { from: platform.address, to: platform.address, value: 0n, chainId: 31_337 },
      );
      await (await provider.broadcastTransaction(signed)).wait();
    } finally {
      provider.destroy();
    }

    const deployed = await ensureGovernanceDeployed(deps, net);
    expect(deployed?.deployment.attempt).toBe(2);
    expect(deployed?.deployment.address).not.toBe(planned.address);
    expect(await chain.provider.getCode(planned.address)).toBe('0x');
    expect(await chain.provider.getCode(deployed!.deployment.address)).not.toBe('0x');
  });

  it('is what the local governance worker does on each pass', async () => {
    const net = await network({ withNode: true });
    const worker = startGovernanceWorker(deps, { intervalMs: 60_000 });
    try {
      const report = await worker.runNow();
      expect(report).toMatchObject({ failed: 0 });
      expect((await api.stores.networks.get(net.id))?.governanceAddress).toMatch(/^0x[0-9a-fA-F]{40}$/);
    } finally {
      await worker.stop();
    }
    expect(await worker.runNow()).toBeUndefined(); // a stopped worker runs nothing
  });
});
