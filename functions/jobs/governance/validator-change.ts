/**
 * One validator change, carried out the way the network's runtime allows, after the BFT safety check:
 * - Besu (local Besu processes or EC2): a QBFT vote on every managed validator node, confirmed from the
 *   validator set the nodes report;
 * - anvil: there is no consensus to vote in (one process seals every block), so the change is recorded on the
 *   network record only, and the execution record says consensus does not apply.
 * Either way the network record's validator list follows the change.
 */
import { getAddress } from 'ethers/address';
import { canonicalValidators } from '../../../shared/chain/besu/validator-set.ts';
import type { Network } from '../../../shared/domain/network.ts';
import type { NodeRecord, NodeRuntime } from '../../../shared/domain/node.ts';
import {
  checkValidatorChange,
  type ValidatorChange,
  type ValidatorChangeVerdict,
} from '../../../shared/domain/validator-safety.ts';
import { PlatformError } from '../../../shared/errors.ts';
import type { ValidatorBinding } from '../../../shared/store/governance.repository.ts';
import { ConditionFailedError } from '../../../shared/store/table.ts';
import { type ChainEndpoint, servingEndpoints } from '../../services/governance/chain-endpoints.ts';
import type { DeployedGovernance } from '../../services/governance/governance-deployer.ts';
import type { GovernanceJobDeps, PlatformValidator } from '../../services/governance/governance-deps.ts';
import {
  discardValidatorVotes,
  type QbftNode,
  readQbftValidators,
  voteValidatorChange,
} from './qbft-validator-voting.ts';
import { isValidatorLive, nodesOfValidator, validatorStatuses } from './validator-liveness.ts';

export const ANVIL_CONSENSUS = 'not applicable on the anvil runtime';
export const ANVIL_NOTE =
  'On the anvil runtime one chain process seals every block, so there is no validator vote to hold: the change ' +
  'is recorded on the network record (its validator list) and on the contract, and takes effect in consensus ' +
  'only on the Besu runtime.';

/** What the executor knows about a network while it works on its decisions. */
export interface NetworkContext {
  readonly deployed: DeployedGovernance;
  readonly network: Network;
  readonly nodes: readonly NodeRecord[];
  readonly bindings: readonly ValidatorBinding[];
  /** A node serving the chain, for contract calls; undefined when none serves. */
  readonly endpoint: ChainEndpoint | undefined;
  /** The runtime of the network's managed nodes. */
  readonly runtime: Exclude<NodeRuntime, 'external'>;
  /** Validators the platform runs for the network without node records. */
  readonly platformValidators: readonly PlatformValidator[];
}

export async function loadNetworkContext(deps: GovernanceJobDeps, deployed: DeployedGovernance) {
  const [network, nodes, bindings] = await Promise.all([
    deps.stores.networks.get(deployed.network.id),
    deps.stores.nodes.listByNetwork(deployed.network.id),
    deps.governance.listValidatorBindings(deployed.network.id),
  ]);
  if (!network) throw new PlatformError(`Network ${deployed.network.id} is gone`);
  const platformValidators = (await deps.platformValidators?.(network.id)) ?? [];
  const platformEndpoints = platformValidators
    .filter((validator) => validator.live && validator.rpcUrl)
    .map((validator) => ({ rpcUrl: validator.rpcUrl as string, chainId: network.chainId, nodeId: validator.nodeId }));
  return {
    deployed,
    network,
    nodes,
    bindings,
    endpoint: servingEndpoints(nodes, network.chainId)[0] ?? platformEndpoints[0],
    runtime: deps.managedRuntimeOf?.(network) ?? deps.managedRuntime,
    platformValidators,
  } satisfies NetworkContext;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function isBesu(context: NetworkContext): boolean {
  return context.runtime !== 'anvil';
}

/**
 * Managed validator nodes that serve now: the ones the control plane can have vote. With `validators`, only those
 * that are validators already (a vote counts only in blocks its node proposes); a node that has not reported its
 * validator address yet is asked anyway.
 */
function qbftNodes(context: NetworkContext, validators?: readonly string[]): QbftNode[] {
  const managed = context.nodes
    .filter((n) => n.hosting === 'managed' && n.role === 'validator' && n.endpoints.rpcUrl)
    .filter((n) => n.state === 'running' || n.state === 'degraded')
    .filter((n) => !validators || !n.validatorAddress || validators.some((v) => same(v, n.validatorAddress as string)))
    .map((n) => ({ nodeId: n.id, rpcUrl: n.endpoints.rpcUrl as string }));
  const platform = context.platformValidators
    .filter((p) => p.live && p.rpcUrl && (!validators || validators.some((v) => same(v, p.address))))
    .map((p) => ({ nodeId: p.nodeId, rpcUrl: p.rpcUrl as string }));
  return [...platform, ...managed];
}

/** The validator set now: from consensus on Besu, from the network record on anvil. */
export async function currentValidators(_deps: GovernanceJobDeps, context: NetworkContext): Promise<string[]> {
  if (!isBesu(context)) return [...context.network.validators];
  const readers = [
    ...qbftNodes(context),
    ...servingEndpoints(context.nodes, context.network.chainId).map((e) => ({
      nodeId: e.nodeId ?? 'node',
      rpcUrl: e.rpcUrl,
    })),
  ];
  const { validators } = await readQbftValidators(readers);
  return validators.map((v) => getAddress(v));
}

/** The BFT safety verdict for a change, with liveness from the node records. */
export function safetyVerdict(
  _deps: GovernanceJobDeps,
  context: NetworkContext,
  validators: readonly string[],
  address: string,
  add: boolean,
  newValidatorNodeId?: string,
): ValidatorChangeVerdict {
  const input = {
    nodes: context.nodes,
    bindings: newValidatorNodeId
      ? [
          ...context.bindings,
          { networkId: context.network.id, address, nodeId: newValidatorNodeId, orgId: '', proposalId: 0 },
        ]
      : context.bindings,
    runtime: context.runtime,
    initialValidators: context.deployed.deployment.initialValidators,
    platformValidators: context.platformValidators,
  };
  const change: ValidatorChange = add
    ? { kind: 'add', address, live: isValidatorLive(address, input) }
    : { kind: 'remove', address };
  return checkValidatorChange({ validators: validatorStatuses({ ...input, validators }), change });
}

export type AppliedChange =
  | {
      readonly confirmed: true;
      readonly consensus: string;
      readonly note: string | undefined;
      readonly validators: string[];
    }
  | { readonly confirmed: false; readonly note: string; readonly validators: string[] };

/** Carries out a change the safety check allowed. */
export async function applyValidatorChange(
  deps: GovernanceJobDeps,
  context: NetworkContext,
  address: string,
  add: boolean,
): Promise<AppliedChange> {
  if (!isBesu(context)) {
    const network = await updateNetworkValidators(deps, context.network.id, (current) =>
      add ? [...current, address] : current.filter((v) => !same(v, address)),
    );
    return { confirmed: true, consensus: ANVIL_CONSENSUS, note: ANVIL_NOTE, validators: [...network.validators] };
  }
  const voters = qbftNodes(context, await currentValidators(deps, context));
  if (voters.length === 0) {
    return {
      confirmed: false,
      note:
        'No managed validator node serves now to take the vote; the validators’ operators vote with ' +
        `qbft_proposeValidatorVote("${address}", ${add}), and the change is recorded once the set shows it.`,
      validators: await currentValidators(deps, context),
    };
  }
  const outcome = await voteValidatorChange(voters, address, add, { timeoutMs: deps.consensusTimeoutMs });
  const validators = outcome.validators.map((v) => getAddress(v));
  if (!outcome.confirmed) {
    return {
      confirmed: false,
      note:
        `${outcome.votedBy.length} managed validator node(s) voted; Besu applies the change once more than half of ` +
        `the ${validators.length} validators vote for it, so it waits for the others.`,
      validators,
    };
  }
  await updateNetworkValidators(deps, context.network.id, () => validators);
  return {
    confirmed: true,
    consensus: `qbft: the validator set showed the change at block ${outcome.blockNumber}`,
    note: undefined,
    validators,
  };
}

/** On Besu, takes back the votes the managed validators cast for a change that is now refused. */
export async function withdrawValidatorVotes(
  _deps: GovernanceJobDeps,
  context: NetworkContext,
  address: string,
): Promise<void> {
  if (isBesu(context)) await discardValidatorVotes(qbftNodes(context), address);
}

/** Rewrites the network record's validator list from the latest version (re-read on a concurrent write). */
export async function updateNetworkValidators(
  deps: GovernanceJobDeps,
  networkId: string,
  change: (current: readonly string[]) => string[],
): Promise<Network> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const network = await deps.stores.networks.get(networkId);
    if (!network) throw new PlatformError(`Network ${networkId} is gone`);
    const next = canonicalValidators(dedupe(change(network.validators)));
    if (next.length === network.validators.length && next.every((v, i) => v === network.validators[i])) return network;
    try {
      return await deps.stores.networks.update(network, { validators: next });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
  throw new PlatformError(`Could not update the validators of network ${networkId}: it keeps changing`);
}

function dedupe(addresses: readonly string[]): string[] {
  const seen = new Set<string>();
  return addresses.filter((a) => {
    const key = a.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Validator addresses an organisation stands behind on the network: its nodes' own and those voted in for them. */
export function validatorsOfOrg(context: NetworkContext, orgId: string, validators: readonly string[]): string[] {
  const orgNodes = context.nodes.filter((n) => n.orgId === orgId);
  return validators.filter(
    (address) =>
      context.bindings.some((b) => b.orgId === orgId && same(b.address, address)) ||
      nodesOfValidator(address, orgNodes, context.bindings).length > 0,
  );
}
