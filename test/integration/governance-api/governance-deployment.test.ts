/**
 * Deployment of the governance contract by the platform key is crash-safe: the signed transaction is recorded
 * before it is broadcast, and a deployer that finds a recorded attempt finishes it (same transaction, same
 * address), notices the contract is already there, or starts over when the nonce was spent otherwise — always
 * exactly one contract recorded per network. Real anvil, real dynalite, the local vault.
 */
import { getCreateAddress, type JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGovernanceWorker } from '../../../functions/local/governance-worker.ts';
import { openProvider } from '../../../functions/services/governance/chain-endpoints.ts';
import { signWithNode } from '../../../functions/services/governance/governance-chain.ts';
import {
  ensureGovernanceDeployed,
  planDeployment,
} from '../../../functions/services/governance/governance-deployer.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { type DeploymentEnv, startDeploymentEnv } from './deployment-fixture.ts';

let env: DeploymentEnv;
let api: DeploymentEnv['api'];
let chain: DeploymentEnv['chain'];
let platform: DeploymentEnv['platform'];
let deps: DeploymentEnv['deps'];

beforeAll(async () => {
  env = await startDeploymentEnv();
  ({ api, chain, platform, deps } = env);
}, 60_000);

afterAll(async () => {
  await env?.close();
});

const endpoint = () => env.endpoint();
const network = (options: { withNode: boolean }) => env.network(options);
const addRunningNode = (net: Network) => env.addRunningNode(net);

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
    const provider: JsonRpcProvider = await openProvider(endpoint());
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
