/**
 * Deploys one of the contracts the platform runs on every network (the governance contract, the ERC-1056 DID
 * registry, the consent ledger) with the platform key, the first time the network has a serving node the platform
 * runs, and records its address on the network.
 *
 * Crash safety: the deployment transaction is signed first and recorded (with its nonce, hash and the contract
 * address, which follows from the platform address and that nonce) before it is broadcast. A deployer that finds
 * a recorded attempt looks for code at the address (done), asks whether the transaction reverted or its nonce was
 * spent by something else (a new attempt), and otherwise broadcasts the very same signed transaction again. So a
 * crash at any point leads to exactly one contract of each kind, and the record names it.
 */
import type { JsonRpcProvider } from 'ethers';
import { getAddress, getCreateAddress } from 'ethers/address';
import { Transaction } from 'ethers/transaction';
import { CONTRACT_ADDRESS_FIELDS, type Network, type PlatformContract } from '../../../shared/domain/network.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import { PlatformError } from '../../../shared/errors.ts';
import type { ContractDeploymentRecord } from '../../../shared/store/governance.repository.ts';
import type { PlatformKey } from '../../../shared/store/platform.repository.ts';
import { ConditionFailedError } from '../../../shared/store/table.ts';
import { type ChainEndpoint, servingEndpoints, withProvider } from '../governance/chain-endpoints.ts';
import { DEFAULT_RECEIPT_TIMEOUT_MS, signWithNode, waitForReceipt } from '../governance/governance-chain.ts';
import { GOVERNANCE_ACTOR, type GovernanceJobDeps, type GovernanceStores } from '../governance/governance-deps.ts';

/** What deploying needs: the deployment records, the platform key in the vault, the network's nodes. */
export type ContractDeployerDeps = Pick<
  GovernanceJobDeps,
  'governance' | 'vault' | 'logger' | 'clock' | 'receiptTimeoutMs'
> & { readonly stores: Pick<GovernanceStores, 'networks' | 'nodes' | 'platform' | 'audit'> };

/** One kind of platform contract: what its deployment transaction carries. */
export interface PlatformContractSpec {
  readonly contract: PlatformContract;
  /** The creation code with its constructor arguments, and (governance) the validators they name. */
  deployment(
    network: Network,
    platform: PlatformKey,
  ): Promise<{ readonly data: string; readonly initialValidators?: readonly string[] }>;
}

export type DeploymentRecord = ContractDeploymentRecord & { readonly state: 'deployed' };

/** A network whose contract of a kind is deployed and recorded. */
export interface DeployedContract {
  readonly network: Network;
  readonly address: string;
  readonly deployment: DeploymentRecord;
}

/**
 * Makes sure the network's contract of `spec`'s kind exists and is recorded. Returns undefined while that cannot
 * happen yet (no serving endpoint, no platform key, a deployment still being mined, or another deployer at work).
 */
export async function ensureContractDeployed(
  deps: ContractDeployerDeps,
  network: Network,
  spec: PlatformContractSpec,
): Promise<DeployedContract | undefined> {
  const field = CONTRACT_ADDRESS_FIELDS[spec.contract];
  let record = await deps.governance.getDeployment(network.id, spec.contract);
  if (record?.state === 'deployed') return recordOnNetwork(deps, network, record as DeploymentRecord);
  const recordedByHand = network[field];
  if (recordedByHand && !record) {
    // Deployed by other means (recorded on the network by hand): read it from the first block.
    return { network, address: recordedByHand, deployment: adopted(network, spec.contract, recordedByHand) };
  }

  const endpoint = servingEndpoints(await deps.stores.nodes.listByNetwork(network.id), network.chainId)[0];
  if (!endpoint) {
    deps.logger.debug('contract deployment waits for a serving node', {
      networkId: network.id,
      contract: spec.contract,
    });
    return undefined;
  }
  const platform = await deps.stores.platform.getSigningKey();
  if (!platform) {
    deps.logger.warn('no platform key recorded; contracts cannot be deployed', { networkId: network.id });
    return undefined;
  }
  try {
    // A failed attempt (reverted, or its nonce spent by another transaction) is followed by one new attempt.
    for (let round = 0; round < 2 && record?.state !== 'deployed'; round++) {
      if (!record || record.state === 'failed') {
        record = await planContractDeployment(deps, network, endpoint, platform, record, spec);
      }
      record = await completeContractDeployment(deps, endpoint, record);
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
    action: `${spec.contract}.contract-deployed`,
    target: network.id,
    requestId: undefined,
    details: { networkId: network.id, address: record.address, transactionHash: record.transactionHash },
  });
  deps.logger.info('contract deployed', { networkId: network.id, contract: spec.contract, address: record.address });
  return recordOnNetwork(deps, network, record as DeploymentRecord);
}

/** Signs the deployment and records it before anything is broadcast. */
export async function planContractDeployment(
  deps: ContractDeployerDeps,
  network: Network,
  endpoint: ChainEndpoint,
  platform: PlatformKey,
  previous: ContractDeploymentRecord | undefined,
  spec: PlatformContractSpec,
): Promise<ContractDeploymentRecord> {
  const { data, initialValidators = [] } = await spec.deployment(network, platform);
  const account = { vault: deps.vault, keyRef: platform.keyRef, address: platform.address };
  const { signed, nonce } = await withProvider(endpoint, (provider) =>
    signWithNode(provider, account, { from: platform.address, data, chainId: network.chainId }),
  );
  return deps.governance.recordDeploymentAttempt(previous, {
    networkId: network.id,
    contract: spec.contract,
    deployer: platform.address,
    nonce,
    address: getCreateAddress({ from: platform.address, nonce }),
    transactionHash: Transaction.from(signed).hash as string,
    rawTransaction: signed,
    initialValidators: [...initialValidators],
    blockNumber: undefined,
    failure: undefined,
  });
}

/** Takes a recorded attempt as far as it goes now: deployed, failed (a new attempt follows), or still sent. */
export async function completeContractDeployment(
  deps: ContractDeployerDeps,
  endpoint: ChainEndpoint,
  record: ContractDeploymentRecord,
): Promise<ContractDeploymentRecord> {
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
async function deployedAt(provider: JsonRpcProvider, record: ContractDeploymentRecord) {
  const code = await provider.getCode(record.address);
  if (code === '0x') return undefined;
  const receipt = await provider.getTransactionReceipt(record.transactionHash);
  return {
    state: 'deployed' as const,
    // Without a receipt (a node that pruned it) readers start from the first block: slower, never wrong.
    blockNumber: receipt?.blockNumber ?? 0,
    rawTransaction: undefined,
  };
}

/** The same signed transaction again; a node that already holds it may refuse the copy, which is fine. */
async function broadcastAgain(provider: JsonRpcProvider, record: ContractDeploymentRecord): Promise<void> {
  try {
    await provider.broadcastTransaction(record.rawTransaction as string);
  } catch (error) {
    const known = await provider.getTransaction(record.transactionHash).catch(() => null);
    if (!known) throw error;
  }
}

function adopted(network: Network, contract: PlatformContract, address: string): DeploymentRecord {
  return {
    networkId: network.id,
    contract,
    state: 'deployed',
    attempt: 0,
    deployer: '',
    nonce: 0,
    address,
    transactionHash: '',
    rawTransaction: undefined,
    initialValidators: contract === 'governance' ? network.validators.map((v) => getAddress(v.toLowerCase())) : [],
    blockNumber: 0,
    failure: undefined,
    createdAt: network.createdAt,
    updatedAt: network.createdAt,
    version: 0,
  };
}

/** Writes the contract address onto the network item (version-checked; re-read when someone else wrote first). */
async function recordOnNetwork(
  deps: ContractDeployerDeps,
  network: Network,
  deployment: DeploymentRecord,
): Promise<DeployedContract> {
  const field = CONTRACT_ADDRESS_FIELDS[deployment.contract];
  let current: Network | undefined = network;
  for (let attempt = 0; attempt < 5 && current; attempt++) {
    const recorded = current[field];
    if (recorded) return { network: current, address: recorded, deployment };
    try {
      const updated = await deps.stores.networks.update(current, { [field]: deployment.address });
      return { network: updated, address: deployment.address, deployment };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      current = await deps.stores.networks.get(network.id);
    }
  }
  throw new PlatformError(`Could not record the ${deployment.contract} address on network ${network.id}`);
}
