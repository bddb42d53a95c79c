/**
 * Deploys the ConsortiumGovernance contract on a network the first time the network has a serving endpoint (on
 * the anvil runtime a network's chain only runs once a node exists), with the platform key as founding member
 * and as executor, and the network's genesis validators as the initial validators; then records the address on
 * the network.
 *
 * Crash safety: the deployment transaction is signed first and recorded (with its nonce, hash and the contract
 * address, which follows from the platform address and that nonce) before it is broadcast. A deployer that finds
 * a recorded attempt looks for code at the address (done), asks whether the transaction reverted or its nonce was
 * spent by something else (a new attempt), and otherwise broadcasts the very same signed transaction again. So a
 * crash at any point leads to exactly one contract, and the record names it.
 */
import { ContractFactory, getAddress, getCreateAddress, type JsonRpcProvider, Transaction } from 'ethers';
import {
  CONSORTIUM_GOVERNANCE_ABI,
  CONSORTIUM_GOVERNANCE_BYTECODE,
  orgRefFromOrgId,
  VOTING_PERIOD_DEFAULTS,
} from '../../../shared/chain/contracts/consortium-governance.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import { PlatformError } from '../../../shared/errors.ts';
import type { GovernanceDeploymentRecord } from '../../../shared/store/governance.repository.ts';
import type { PlatformKey } from '../../../shared/store/platform.repository.ts';
import { ConditionFailedError } from '../../../shared/store/table.ts';
import {
  type ChainEndpoint,
  DEFAULT_RECEIPT_TIMEOUT_MS,
  servingEndpoints,
  signWithNode,
  waitForReceipt,
  withProvider,
} from './governance-chain.ts';
import { GOVERNANCE_ACTOR, type GovernanceJobDeps } from './governance-deps.ts';

/** A network whose contract is deployed and recorded. */
export interface DeployedGovernance {
  readonly network: Network & { readonly governanceAddress: string };
  readonly deployment: GovernanceDeploymentRecord & { readonly state: 'deployed' };
}

/**
 * Makes sure the network's contract exists and is recorded. Returns undefined while that cannot happen yet (no
 * serving endpoint, no platform key, a deployment still being mined, or another deployer at work).
 */
export async function ensureGovernanceDeployed(
  deps: GovernanceJobDeps,
  network: Network,
): Promise<DeployedGovernance | undefined> {
  let record = await deps.governance.getDeployment(network.id);
  if (record?.state === 'deployed') return recordOnNetwork(deps, network, record as DeployedGovernance['deployment']);
  if (network.governanceAddress && !record) {
    // Deployed by other means (recorded on the network by hand): watch it from the first block.
    return { network: network as DeployedGovernance['network'], deployment: adopted(network) };
  }

  const endpoint = servingEndpoints(await deps.stores.nodes.listByNetwork(network.id), network.chainId)[0];
  if (!endpoint) {
    deps.logger.debug('governance deployment waits for a serving node', { networkId: network.id });
    return undefined;
  }
  const platform = await deps.stores.platform.getSigningKey();
  if (!platform) {
    deps.logger.warn('no platform key recorded; governance cannot be deployed', { networkId: network.id });
    return undefined;
  }
  try {
    // A failed attempt (reverted, or its nonce spent by another transaction) is followed by one new attempt.
    for (let round = 0; round < 2 && record?.state !== 'deployed'; round++) {
      if (!record || record.state === 'failed')
        record = await planDeployment(deps, network, endpoint, platform, record);
      record = await completeDeployment(deps, endpoint, record);
    }
  } catch (error) {
    if (error instanceof ConditionFailedError) return undefined; // another deployer moved first; next pass sees it
    throw error;
  }
  if (record?.state !== 'deployed') return undefined;
  await deps.stores.audit.append({
    orgId: PLATFORM_ORG_ID,
    at: deps.clock().toISOString(),
    actor: GOVERNANCE_ACTOR,
    action: 'governance.contract-deployed',
    target: network.id,
    requestId: undefined,
    details: { networkId: network.id, address: record.address, transactionHash: record.transactionHash },
  });
  deps.logger.info('governance contract deployed', { networkId: network.id, address: record.address });
  return recordOnNetwork(deps, network, record as DeployedGovernance['deployment']);
}

/** Signs the deployment and records it before anything is broadcast. */
export async function planDeployment(
  deps: GovernanceJobDeps,
  network: Network,
  endpoint: ChainEndpoint,
  platform: PlatformKey,
  previous: GovernanceDeploymentRecord | undefined,
): Promise<GovernanceDeploymentRecord> {
  // Lower-cased first: a record written by hand may carry a checksum that is off; the address is what counts.
  const initialValidators = network.validators.map((v) => getAddress(v.toLowerCase()));
  const factory = new ContractFactory(CONSORTIUM_GOVERNANCE_ABI, CONSORTIUM_GOVERNANCE_BYTECODE);
  const { data } = await factory.getDeployTransaction(
    [platform.address],
    [orgRefFromOrgId(PLATFORM_ORG_ID)],
    initialValidators,
    VOTING_PERIOD_DEFAULTS.votingPeriodSeconds,
    VOTING_PERIOD_DEFAULTS.minVotingPeriodSeconds,
    VOTING_PERIOD_DEFAULTS.maxVotingPeriodSeconds,
    platform.address,
  );
  const account = { vault: deps.vault, keyRef: platform.keyRef, address: platform.address };
  const { signed, nonce } = await withProvider(endpoint, (provider) =>
    signWithNode(provider, account, { from: platform.address, data, chainId: network.chainId }),
  );
  return deps.governance.recordDeploymentAttempt(previous, {
    networkId: network.id,
    deployer: platform.address,
    nonce,
    address: getCreateAddress({ from: platform.address, nonce }),
    transactionHash: Transaction.from(signed).hash as string,
    rawTransaction: signed,
    initialValidators,
    blockNumber: undefined,
    failure: undefined,
  });
}

/** Takes a recorded attempt as far as it goes now: deployed, failed (a new attempt follows), or still sent. */
export async function completeDeployment(
  deps: GovernanceJobDeps,
  endpoint: ChainEndpoint,
  record: GovernanceDeploymentRecord,
): Promise<GovernanceDeploymentRecord> {
  if (record.state !== 'sent') return record;
  return withProvider(endpoint, async (provider) => {
    const found = await deployedAt(provider, record);
    if (found !== undefined) return deps.governance.updateDeployment(record, found);

    const receipt = await provider.getTransactionReceipt(record.transactionHash);
    if (receipt && receipt.status !== 1) {
      return deps.governance.updateDeployment(record, {
        state: 'failed',
        failure: 'The deployment transaction reverted',
      });
    }
    if ((await provider.getTransactionCount(record.deployer, 'latest')) > record.nonce && !receipt) {
      return deps.governance.updateDeployment(record, {
        state: 'failed',
        failure: `Nonce ${record.nonce} of the platform key was spent by another transaction`,
      });
    }
    if (!receipt && record.rawTransaction) await broadcastAgain(provider, record);
    await waitForReceipt(provider, record.transactionHash, deps.receiptTimeoutMs ?? DEFAULT_RECEIPT_TIMEOUT_MS);
    const mined = await deployedAt(provider, record);
    if (mined !== undefined) return deps.governance.updateDeployment(record, mined);
    return deps.governance.updateDeployment(record, {
      state: 'failed',
      failure: 'The deployment was mined but left no code at the expected address',
    });
  });
}

/** The changes that mark the record deployed, when the contract's code is at the recorded address. */
async function deployedAt(provider: JsonRpcProvider, record: GovernanceDeploymentRecord) {
  const code = await provider.getCode(record.address);
  if (code === '0x') return undefined;
  const receipt = await provider.getTransactionReceipt(record.transactionHash);
  return {
    state: 'deployed' as const,
    // Without a receipt (a node that pruned it) the watcher reads from the first block: slower, never wrong.
    blockNumber: receipt?.blockNumber ?? 0,
    rawTransaction: undefined,
  };
}

/** The same signed transaction again; a node that already holds it may refuse the copy, which is fine. */
async function broadcastAgain(provider: JsonRpcProvider, record: GovernanceDeploymentRecord): Promise<void> {
  try {
    await provider.broadcastTransaction(record.rawTransaction as string);
  } catch (error) {
    const known = await provider.getTransaction(record.transactionHash).catch(() => null);
    if (!known) throw error;
  }
}

function adopted(network: Network): DeployedGovernance['deployment'] {
  return {
    networkId: network.id,
    state: 'deployed',
    attempt: 0,
    deployer: '',
    nonce: 0,
    address: network.governanceAddress as string,
    transactionHash: '',
    rawTransaction: undefined,
    initialValidators: [...network.validators],
    blockNumber: 0,
    failure: undefined,
    createdAt: network.createdAt,
    updatedAt: network.createdAt,
    version: 0,
  };
}

/** Writes the contract address onto the network item (version-checked; re-read when someone else wrote first). */
async function recordOnNetwork(
  deps: GovernanceJobDeps,
  network: Network,
  deployment: DeployedGovernance['deployment'],
): Promise<DeployedGovernance> {
  let current: Network | undefined = network;
  for (let attempt = 0; attempt < 5 && current; attempt++) {
    if (current.governanceAddress) {
      return { network: current as DeployedGovernance['network'], deployment };
    }
    try {
      const updated = await deps.stores.networks.update(current, { governanceAddress: deployment.address });
      return { network: updated as DeployedGovernance['network'], deployment };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      current = await deps.stores.networks.get(network.id);
    }
  }
  throw new PlatformError(`Could not record the governance address on network ${network.id}`);
}
