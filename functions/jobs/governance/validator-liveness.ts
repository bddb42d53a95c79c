/**
 * Which validators of a network are live, from the control plane's node records, as input to the BFT safety
 * check. A validator counts live when a node behind it is running and healthy (state `running`, meant to run;
 * `degraded` counts as down). A node stands behind a validator when the node reported that validator address
 * (Besu) or when governance voted the address in for that node.
 *
 * On the anvil runtime one chain process seals every block of a network, whatever its validator list says: the
 * network's genesis validators without a node of their own stand for that process and count live while the chain
 * serves. A genesis validator the platform runs itself (local Besu) is live while its process answers. A validator
 * the control plane cannot see at all counts as down, which errs on the safe side.
 */
import type { NodeRecord, NodeRuntime } from '../../../shared/domain/node.ts';
import type { ValidatorStatus } from '../../../shared/domain/validator-safety.ts';
import type { ValidatorBinding } from '../../../shared/store/governance.repository.ts';

export interface LivenessInput {
  readonly validators: readonly string[];
  /** Every node record of the network. */
  readonly nodes: readonly NodeRecord[];
  readonly bindings: readonly ValidatorBinding[];
  readonly runtime: Exclude<NodeRuntime, 'external'>;
  /** The validators the governance contract started from (the genesis set). */
  readonly initialValidators: readonly string[];
  /** Validators the platform runs without node records (local Besu genesis validators), with their liveness. */
  readonly platformValidators?: readonly { readonly address: string; readonly live: boolean }[];
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function isNodeLive(node: NodeRecord): boolean {
  return node.state === 'running' && node.desiredState === 'running';
}

/** Whether any node of the network serves its chain now. */
export function chainServing(nodes: readonly NodeRecord[]): boolean {
  return nodes.some((node) => (node.state === 'running' || node.state === 'degraded') && node.endpoints.rpcUrl);
}

/** The nodes behind a validator address. */
export function nodesOfValidator(
  address: string,
  nodes: readonly NodeRecord[],
  bindings: readonly ValidatorBinding[],
): NodeRecord[] {
  const bound = new Set(bindings.filter((b) => same(b.address, address)).map((b) => b.nodeId));
  return nodes.filter(
    (node) =>
      node.state !== 'terminated' &&
      (bound.has(node.id) || (node.validatorAddress && same(node.validatorAddress, address))),
  );
}

export function isValidatorLive(address: string, input: Omit<LivenessInput, 'validators'>): boolean {
  const platform = input.platformValidators?.find((validator) => same(validator.address, address));
  if (platform) return platform.live;
  const behind = nodesOfValidator(address, input.nodes, input.bindings);
  if (behind.length > 0) return behind.some(isNodeLive);
  return (
    input.runtime === 'anvil' && input.initialValidators.some((v) => same(v, address)) && chainServing(input.nodes)
  );
}

export function validatorStatuses(input: LivenessInput): ValidatorStatus[] {
  return input.validators.map((address) => ({ address, live: isValidatorLive(address, input) }));
}
