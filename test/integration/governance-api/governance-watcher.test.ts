/**
 * The governance watcher reads events from its cursor in bounded `eth_getLogs` ranges, a bounded number per pass,
 * and picks up where it stopped; what it learns (members and their organisations, passed decisions) is recorded
 * once however often a range is read again. Real anvil, real dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchGovernanceEvents } from '../../../functions/jobs/governance/governance-watcher.ts';
import { sendGovernanceCall } from '../../../functions/services/governance/governance-chain.ts';
import { ensureGovernanceDeployed } from '../../../functions/services/governance/governance-deployer.ts';
import { type GovernanceJobDeps, governanceJobDeps } from '../../../functions/services/governance/governance-deps.ts';
import { ensurePlatformKey } from '../../../functions/services/platform/platform-bootstrap.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { GovernanceRepository } from '../../../shared/store/governance.repository.ts';
import type { PlatformKey } from '../../../shared/store/platform.repository.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';
import { type AnvilChain, startAnvil } from '../governance/anvil-chain.ts';

let api: TestApi;
let chain: AnvilChain;
let platform: PlatformKey;
let repository: GovernanceRepository;

beforeAll(async () => {
  [api, chain] = await Promise.all([startTestApi(), startAnvil()]);
  platform = await ensurePlatformKey(api.deps.vault, api.stores.platform, new Date());
  repository = new GovernanceRepository(api.table, api.deps.clock);
}, 60_000);

afterAll(async () => {
  await chain?.stop();
  await api?.close();
});

const jobs = (options: { maxBlockRange: number; maxRangesPerPass: number }): GovernanceJobDeps =>
  governanceJobDeps(api.deps, repository, { receiptTimeoutMs: 10_000, ...options });

async function deployedNetwork() {
  const network = await api.stores.networks.create({
    id: newId('network'),
    name: `watch-${Math.random().toString(36).slice(2, 10)}`,
    chainId: 31_337,
    consensus: 'qbft',
    blockPeriodSeconds: 2,
    validators: ['0x00000000000000000000000000000000000000aa'],
    bootnodes: [],
    alloc: {},
    status: 'active',
    governanceAddress: undefined,
    createdAt: new Date().toISOString(),
    version: 1,
  });
  const now = new Date().toISOString();
  const node = await api.stores.nodes.create({
    id: newId('node'),
    orgId: newId('org'),
    networkId: network.id,
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
  const deployed = await ensureGovernanceDeployed(jobs({ maxBlockRange: 500, maxRangesPerPass: 20 }), network);
  if (!deployed) throw new Error('not deployed');
  return { deployed, endpoint: { rpcUrl: chain.url, chainId: 31_337, nodeId: node.id } };
}

describe('the governance watcher', () => {
  it('reads at most a bounded number of bounded ranges per pass and continues from its cursor', async () => {
    const { deployed, endpoint } = await deployedNetwork();
    const start = deployed.deployment.blockNumber as number;
    for (let i = 0; i < 9; i++) await chain.provider.send('evm_mine', []);
    const head = await chain.provider.getBlockNumber();

    const small = jobs({ maxBlockRange: 2, maxRangesPerPass: 2 });
    const first = await watchGovernanceEvents(small, deployed, endpoint);
    expect(first).toMatchObject({ fromBlock: start, nextBlock: start + 4 });
    expect((await repository.getCursor(deployed.network.id))?.nextBlock).toBe(start + 4);
    // The deployment block holds the founding member's admission, with the platform recorded beside it.
    expect(await repository.getMember(deployed.network.id, platform.address)).toMatchObject({
      orgId: 'platform',
      admittedBy: 0,
    });

    let next = first.nextBlock;
    while (next <= head) next = (await watchGovernanceEvents(small, deployed, endpoint)).nextBlock;
    expect(next).toBe(head + 1);
    expect((await watchGovernanceEvents(small, deployed, endpoint)).events).toBe(0);
  });

  it('opens one execution per passed validator change, however often the block is read', async () => {
    const { deployed, endpoint } = await deployedNetwork();
    const account = { vault: api.deps.vault, keyRef: platform.keyRef, address: platform.address };
    const address = deployed.network.governanceAddress;
    const validator = '0x00000000000000000000000000000000000000bb';
    await sendGovernanceCall(endpoint, account, address, 'proposeAddValidator', [validator, 0]);
    await sendGovernanceCall(endpoint, account, address, 'vote', [1, true]);

    const deps = jobs({ maxBlockRange: 500, maxRangesPerPass: 20 });
    const watched = await watchGovernanceEvents(deps, deployed, endpoint);
    expect(watched.decisions).toBe(1);
    // A crash before the cursor moved: the same blocks are read again.
    const cursor = await repository.getCursor(deployed.network.id);
    await repository.advanceCursor(deployed.network.id, cursor, deployed.deployment.blockNumber as number);
    expect((await watchGovernanceEvents(deps, deployed, endpoint)).decisions).toBe(1);

    const executions = await repository.listExecutions(deployed.network.id);
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatchObject({ proposalId: 1, kind: 'add-validator', state: 'pending', version: 1 });
  });
});
