/**
 * The contracts behind patients' consents, deployed by the platform on every network after the governance
 * contract: the ERC-1056 DID registry exactly as published (the `ethr-did-registry` package's creation code, so the
 * deployed code is the published artefact's byte for byte) and the consent ledger, which asks the governance
 * contract who is a member (members relay patients' signed actions and log accesses).
 */
import { loadChainClients } from '../../../shared/chain/chain-clients.ts';
import { CONSENT_LEDGER_ABI, consentLedgerBytecode } from '../../../shared/chain/contracts/consent-ledger.ts';
import { didRegistryArtefact } from '../../../shared/chain/contracts/did-registry.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { PlatformError } from '../../../shared/errors.ts';
import {
  type ContractDeployerDeps,
  ensureContractDeployed,
  type PlatformContractSpec,
} from './platform-contract-deployer.ts';

export const DID_REGISTRY_CONTRACT: PlatformContractSpec = {
  contract: 'did-registry',
  deployment: async () => ({ data: (await didRegistryArtefact()).bytecode }),
};

export const CONSENT_LEDGER_CONTRACT: PlatformContractSpec = {
  contract: 'consent-ledger',
  async deployment(network: Network) {
    if (!network.governanceAddress) {
      throw new PlatformError(`Network ${network.id} has no governance contract for the consent ledger to ask`);
    }
    const { ContractFactory } = await loadChainClients();
    const factory = new ContractFactory(CONSENT_LEDGER_ABI, await consentLedgerBytecode());
    const { data } = await factory.getDeployTransaction(network.governanceAddress);
    return { data };
  },
};

/**
 * Makes sure a governed network (its governance contract recorded) has its DID registry and consent ledger, in
 * that order. Returns the network as recorded after, or undefined while a deployment has to wait.
 */
export async function ensureConsentContractsDeployed(
  deps: ContractDeployerDeps,
  network: Network & { readonly governanceAddress: string },
): Promise<Network | undefined> {
  if (network.didRegistryAddress && network.consentLedgerAddress) return network;
  const registry = await ensureContractDeployed(deps, network, DID_REGISTRY_CONTRACT);
  if (!registry) return undefined;
  const ledger = await ensureContractDeployed(deps, registry.network, CONSENT_LEDGER_CONTRACT);
  return ledger?.network;
}
