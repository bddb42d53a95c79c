/**
 * The platform deploys the DID registry and the consent ledger on every network, after the governance contract,
 * by the same crash-safe job: each deployment is signed and recorded before it is broadcast, so a crash before or
 * after the broadcast still ends with exactly one contract of each kind, at the recorded address. The registry's
 * code is the published artefact's byte for byte; the ledger asks the network's governance contract who is a
 * member. Real anvil, real dynalite, the local vault.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONSENT_LEDGER_CONTRACT,
  DID_REGISTRY_CONTRACT,
  ensureConsentContractsDeployed,
} from '../../../functions/services/contracts/consent-contracts.ts';
import {
  ensureContractDeployed,
  planContractDeployment,
} from '../../../functions/services/contracts/platform-contract-deployer.ts';
import { ensureGovernanceDeployed } from '../../../functions/services/governance/governance-deployer.ts';
import { connectConsentLedger } from '../../../shared/chain/contracts/consent-ledger.ts';
import { didRegistryArtefact } from '../../../shared/chain/contracts/did-registry.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { type DeploymentEnv, startDeploymentEnv } from '../governance-api/deployment-fixture.ts';

let env: DeploymentEnv;

beforeAll(async () => {
  env = await startDeploymentEnv();
}, 60_000);

afterAll(async () => {
  await env?.close();
});

async function governed(): Promise<Network & { governanceAddress: string }> {
  const network = await env.network({ withNode: true });
  const deployed = await ensureGovernanceDeployed(env.deps, network);
  if (!deployed) throw new Error('governance was not deployed');
  return deployed.network;
}

describe('deploying the consent contracts', () => {
  it('deploys the published DID registry and a consent ledger bound to the governance contract, and records both', async () => {
    const network = await governed();
    const after = await ensureConsentContractsDeployed(env.deps, network);
    const stored = await env.api.stores.networks.get(network.id);
    expect(stored?.didRegistryAddress).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(stored?.consentLedgerAddress).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(after?.consentLedgerAddress).toBe(stored?.consentLedgerAddress);
    expect(await env.chain.provider.getCode(stored!.didRegistryAddress!)).toBe(
      (await didRegistryArtefact()).deployedBytecode,
    );
    const ledger = await connectConsentLedger(stored!.consentLedgerAddress!, env.chain.provider);
    expect(await ledger.getFunction('governance')()).toBe(network.governanceAddress);

    const shown = await env.api.call('GET', `/v1/networks/${network.id}`, { token: await env.api.loginOperator() });
    expect(shown.json).toMatchObject({
      governanceAddress: network.governanceAddress,
      didRegistryAddress: stored?.didRegistryAddress,
      consentLedgerAddress: stored?.consentLedgerAddress,
    });
    const records = await Promise.all([
      env.deps.governance.getDeployment(network.id, 'did-registry'),
      env.deps.governance.getDeployment(network.id, 'consent-ledger'),
    ]);
    expect(records.map((r) => [r?.state, r?.attempt, r?.rawTransaction])).toEqual([
      ['deployed', 1, undefined],
      ['deployed', 1, undefined],
    ]);
  });

  it('finishes a ledger deployment recorded just before a crash: the same transaction, the predicted address', async () => {
    const network = await governed();
    // The registry first, as the job does; the ledger's attempt is then recorded and never broadcast.
    const registry = await ensureContractDeployed(env.deps, network, DID_REGISTRY_CONTRACT);
    const current = (await env.api.stores.networks.get(network.id)) as Network;
    expect(current.didRegistryAddress).toBe(registry?.address);
    const planned = await planContractDeployment(
      env.deps,
      current,
      env.endpoint(),
      env.platform,
      undefined,
      CONSENT_LEDGER_CONTRACT,
    );
    expect(await env.chain.provider.getCode(planned.address)).toBe('0x');

    const after = await ensureConsentContractsDeployed(env.deps, network);
    expect(after?.consentLedgerAddress).toBe(planned.address);
    expect(await env.deps.governance.getDeployment(network.id, 'consent-ledger')).toMatchObject({
      state: 'deployed',
      attempt: 1,
      address: planned.address,
    });
    expect((await env.chain.provider.getTransactionReceipt(planned.transactionHash))?.status).toBe(1);
  });

  it('does not deploy a second registry when the crash came after the broadcast', async () => {
    const network = await governed();
    const planned = await planContractDeployment(
      env.deps,
      network,
      env.endpoint(),
      env.platform,
      undefined,
      DID_REGISTRY_CONTRACT,
    );
    await (await env.chain.provider.broadcastTransaction(planned.rawTransaction!)).wait();
    const nonceAfterBroadcast = await env.chain.provider.getTransactionCount(env.platform.address, 'latest');

    const after = await ensureConsentContractsDeployed(env.deps, network);
    expect(after?.didRegistryAddress).toBe(planned.address);
    // One more transaction only: the ledger's deployment.
    expect(await env.chain.provider.getTransactionCount(env.platform.address, 'latest')).toBe(nonceAfterBroadcast + 1);
  });

  it('waits while the network has no serving node', async () => {
    const network = await env.network({ withNode: false });
    expect(
      await ensureConsentContractsDeployed(env.deps, {
        ...network,
        governanceAddress: network.validators[0] as string,
      }),
    ).toBeUndefined();
    expect(await env.deps.governance.getDeployment(network.id, 'did-registry')).toBeUndefined();
  });
});
