/**
 * Deploys the ConsortiumGovernance contract on a network the first time the network has a serving endpoint (on
 * the anvil runtime a network's chain only runs once a node exists), with the platform key as founding member
 * and as executor, and the network's genesis validators as the initial validators; then records the address on
 * the network. The crash-safe deployment itself is the platform contract deployer's
 * (functions/services/contracts/platform-contract-deployer.ts), shared with the DID registry and the consent ledger.
 */
import { getAddress } from 'ethers/address';
import { loadChainClients } from '../../../shared/chain/chain-clients.ts';
import {
  CONSORTIUM_GOVERNANCE_ABI,
  consortiumGovernanceBytecode,
  orgRefFromOrgId,
  VOTING_PERIOD_DEFAULTS,
} from '../../../shared/chain/contracts/consortium-governance.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import type { ContractDeploymentRecord } from '../../../shared/store/governance.repository.ts';
import type { PlatformKey } from '../../../shared/store/platform.repository.ts';
import {
  type DeploymentRecord,
  ensureContractDeployed,
  type PlatformContractSpec,
  planContractDeployment,
} from '../contracts/platform-contract-deployer.ts';
import type { ChainEndpoint } from './chain-endpoints.ts';
import type { GovernanceJobDeps } from './governance-deps.ts';

/** A network whose contract is deployed and recorded. */
export interface DeployedGovernance {
  readonly network: Network & { readonly governanceAddress: string };
  readonly deployment: DeploymentRecord;
}

export const GOVERNANCE_CONTRACT: PlatformContractSpec = {
  contract: 'governance',
  async deployment(network: Network, platform: PlatformKey) {
    // Lower-cased first: a record written by hand may carry a checksum that is off; the address is what counts.
    const initialValidators = network.validators.map((v) => getAddress(v.toLowerCase()));
    const { ContractFactory } = await loadChainClients();
    const factory = new ContractFactory(CONSORTIUM_GOVERNANCE_ABI, await consortiumGovernanceBytecode());
    const { data } = await factory.getDeployTransaction(
      [platform.address],
      [orgRefFromOrgId(PLATFORM_ORG_ID)],
      initialValidators,
      VOTING_PERIOD_DEFAULTS.votingPeriodSeconds,
      VOTING_PERIOD_DEFAULTS.minVotingPeriodSeconds,
      VOTING_PERIOD_DEFAULTS.maxVotingPeriodSeconds,
      platform.address,
    );
    return { data, initialValidators };
  },
};

/**
 * Makes sure the network's contract exists and is recorded. Returns undefined while that cannot happen yet (no
 * serving endpoint, no platform key, a deployment still being mined, or another deployer at work).
 */
export async function ensureGovernanceDeployed(
  deps: GovernanceJobDeps,
  network: Network,
): Promise<DeployedGovernance | undefined> {
  const deployed = await ensureContractDeployed(deps, network, GOVERNANCE_CONTRACT);
  if (!deployed) return undefined;
  return {
    network: { ...deployed.network, governanceAddress: deployed.address },
    deployment: deployed.deployment,
  };
}

/** Signs the deployment and records it before anything is broadcast. */
export function planDeployment(
  deps: GovernanceJobDeps,
  network: Network,
  endpoint: ChainEndpoint,
  platform: PlatformKey,
  previous: ContractDeploymentRecord | undefined,
): Promise<ContractDeploymentRecord> {
  return planContractDeployment(deps, network, endpoint, platform, previous, GOVERNANCE_CONTRACT);
}
