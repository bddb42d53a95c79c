/**
 * What the contract deployment tests share: a test API (real dynalite, the local vault and platform key), one
 * anvil chain, the governance job's dependencies, and networks recorded straight in the table whose one running
 * managed node is that chain (or none, to show the deployer waiting).
 */
import { type GovernanceJobDeps, governanceJobDeps } from '../../../functions/services/governance/governance-deps.ts';
import { ensurePlatformKey } from '../../../functions/services/platform/platform-bootstrap.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { GovernanceRepository } from '../../../shared/store/governance.repository.ts';
import type { PlatformKey } from '../../../shared/store/platform.repository.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';
import { type AnvilChain, startAnvil } from '../governance/anvil-chain.ts';

export interface DeploymentEnv {
  readonly api: TestApi;
  readonly chain: AnvilChain;
  readonly platform: PlatformKey;
  readonly deps: GovernanceJobDeps;
  /** The chain as the deployer reaches it. */
  endpoint(): { rpcUrl: string; chainId: number; nodeId: undefined };
  network(options: { withNode: boolean }): Promise<Network>;
  addRunningNode(network: Network): Promise<void>;
  close(): Promise<void>;
}

export async function startDeploymentEnv(): Promise<DeploymentEnv> {
  const [api, chain] = await Promise.all([startTestApi(), startAnvil()]);
  const platform = await ensurePlatformKey(api.deps.vault, api.stores.platform, new Date());
  const deps = governanceJobDeps(api.deps, new GovernanceRepository(api.table, api.deps.clock), {
    receiptTimeoutMs: 10_000,
  });

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

  return {
    api,
    chain,
    platform,
    deps,
    endpoint: () => ({ rpcUrl: chain.url, chainId: 31_337, nodeId: undefined }),
    async network(options) {
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
    },
    addRunningNode,
    async close() {
      await chain.stop();
      await api.close();
    },
  };
}
