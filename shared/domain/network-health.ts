/**
 * Network health (docs/architecture.md, "Fleet operations"), pure: what one look at a network saw (its head and
 * the head's age, its validators and which of them answer) and what that means, as one of four states:
 *
 * - `producing`: the head is younger than `slowAfterPeriods` block periods;
 * - `slow`: older than that, but blocks still come within `stalledAfterPeriods` periods;
 * - `stalled`: no block for `stalledAfterPeriods` periods while a QBFT quorum of validators answers (Besu's stall:
 *   its validators' round timers drifted apart, besu-docs#611);
 * - `below-quorum`: more than f of the 3f+1 validators are down, so no block can be sealed whatever they do;
 * - `unknown`: nothing the platform runs on the network answered, so nothing can be said.
 *
 * On a chain without consensus (the anvil runtime: one process seals every block) only the head's age counts and
 * the validators are not judged.
 */
import { qbftQuorum } from './validator-safety.ts';

export const NETWORK_STATES = ['producing', 'slow', 'stalled', 'below-quorum', 'unknown'] as const;
export type NetworkState = (typeof NETWORK_STATES)[number];

/** Who stands behind a validator address, as far as the control plane knows. */
export const VALIDATOR_SOURCES = ['platform', 'managed', 'self-hosted', 'unknown'] as const;
export type ValidatorSource = (typeof VALIDATOR_SOURCES)[number];

export interface ValidatorObservation {
  /** Lower-case, as Besu answers `qbft_getValidatorsByBlockNumber`. */
  readonly address: string;
  readonly source: ValidatorSource;
  /** The node record or platform process behind it, where there is one. */
  readonly nodeId?: string;
  /** Its node answered JSON-RPC on the network's chain (self-hosted: its owner's node was last seen healthy). */
  readonly live: boolean;
  /** What it answered, or why it counts as down. */
  readonly detail?: string;
  /** From `qbft_getSignerMetrics`: blocks it proposed in the window and the last one. */
  readonly proposedBlockCount?: number;
  readonly lastProposedBlock?: number;
  /** `web3_clientVersion` of a node the platform runs. */
  readonly clientVersion?: string;
}

export interface NetworkObservation {
  readonly at: string;
  /** False on a chain whose one process seals every block (anvil): validators are not judged there. */
  readonly consensusApplies: boolean;
  readonly headBlock?: number;
  /** The head block's own timestamp, seconds since the epoch. */
  readonly headTimestamp?: number;
  /** The QBFT round the head block was sealed in (from its extraData): above 0 after round changes. */
  readonly headRound?: number;
  readonly validators: readonly ValidatorObservation[];
  /** Nodes the platform runs on the network that answered, of those asked. */
  readonly nodesAnswering: number;
  readonly nodesAsked: number;
}

export interface NetworkHealthPolicy {
  /** Head older than this many block periods: `slow`. @default 3 */
  readonly slowAfterPeriods: number;
  /** Head older than this many block periods while a quorum answers: `stalled`. @default 6 */
  readonly stalledAfterPeriods: number;
}

export const DEFAULT_NETWORK_HEALTH_POLICY: NetworkHealthPolicy = { slowAfterPeriods: 3, stalledAfterPeriods: 6 };

export interface NetworkHealthSample extends NetworkObservation {
  readonly networkId: string;
  readonly state: NetworkState;
  /** What the state rests on, in words an operator can act on. */
  readonly reason: string;
  readonly headAgeSeconds?: number;
  /** When the monitor first saw this head: the head's age where the block carries no usable timestamp. */
  readonly headSeenAt?: string;
  /** Seconds per block since the previous sample (the console's block-time chart). */
  readonly secondsPerBlock?: number;
  readonly liveValidators: number;
  /** Validators that must take part for a block: ceil(2n/3); 0 where consensus does not apply. */
  readonly quorum: number;
  /** Addresses of the validators that count as down. */
  readonly validatorsDown: readonly string[];
}

/** Judges one look at a network in the light of the sample before it (for the block rate). */
export function assessNetwork(
  networkId: string,
  observation: NetworkObservation,
  previous: Pick<NetworkHealthSample, 'at' | 'headBlock' | 'headSeenAt'> | undefined,
  blockPeriodSeconds: number,
  policy: NetworkHealthPolicy = DEFAULT_NETWORK_HEALTH_POLICY,
): NetworkHealthSample {
  const now = Date.parse(observation.at);
  const sameHead = observation.headBlock !== undefined && observation.headBlock === previous?.headBlock;
  const headSeenAt = observation.headBlock === undefined ? undefined : sameHead ? previous?.headSeenAt : observation.at;
  const headAgeSeconds =
    observation.headTimestamp !== undefined
      ? Math.max(0, now / 1000 - observation.headTimestamp)
      : headSeenAt !== undefined
        ? (now - Date.parse(headSeenAt)) / 1000
        : undefined;
  const validators = observation.consensusApplies ? observation.validators : [];
  const liveValidators = validators.filter((v) => v.live).length;
  const quorum = observation.consensusApplies && validators.length > 0 ? qbftQuorum(validators.length) : 0;
  const validatorsDown = validators.filter((v) => !v.live).map((v) => v.address);
  const { state, reason } = judge(
    observation,
    headAgeSeconds,
    { liveValidators, quorum, validatorsDown },
    {
      blockPeriodSeconds,
      ...policy,
    },
  );
  return {
    networkId,
    ...observation,
    validators,
    state,
    reason,
    ...(headAgeSeconds !== undefined && { headAgeSeconds: round(headAgeSeconds) }),
    ...(headSeenAt !== undefined && { headSeenAt }),
    ...blockRate(observation, previous),
    liveValidators,
    quorum,
    validatorsDown,
  };
}

function judge(
  o: NetworkObservation,
  headAgeSeconds: number | undefined,
  v: { liveValidators: number; quorum: number; validatorsDown: readonly string[] },
  limits: NetworkHealthPolicy & { blockPeriodSeconds: number },
): { state: NetworkState; reason: string } {
  if (o.nodesAnswering === 0 || o.headBlock === undefined) {
    return {
      state: 'unknown',
      reason:
        o.nodesAsked === 0
          ? 'No node the platform runs on this network: its chain cannot be read.'
          : `None of the ${o.nodesAsked} nodes the platform runs on this network answered.`,
    };
  }
  const total = o.validators.length;
  if (o.consensusApplies && total > 0 && v.liveValidators < v.quorum) {
    return {
      state: 'below-quorum',
      reason:
        `Only ${v.liveValidators} of ${total} validators are live and QBFT needs ${v.quorum} to seal a block. ` +
        `Down: ${v.validatorsDown.join(', ')}. Bring them back first: restarting the others cannot help.`,
    };
  }
  const age = headAgeSeconds ?? 0;
  const periods = age / limits.blockPeriodSeconds;
  const ageText = `${Math.round(age)} s (${Math.floor(periods)} block periods of ${limits.blockPeriodSeconds} s)`;
  if (periods > limits.stalledAfterPeriods) {
    return {
      state: 'stalled',
      reason: o.consensusApplies
        ? `No block for ${ageText} although ${v.liveValidators} of ${total} validators answer (quorum ${v.quorum}): ` +
          'their rounds no longer meet. Besu’s remedy is to restart the validators together.'
        : `No block for ${ageText}: the chain process answers but does not seal.`,
    };
  }
  if (periods > limits.slowAfterPeriods) {
    return { state: 'slow', reason: `The last block is ${ageText} old.` };
  }
  const rounds = o.headRound ? ` The head was sealed in round ${o.headRound} (after round changes).` : '';
  return {
    state: 'producing',
    reason: o.consensusApplies
      ? `Blocks are sealed; ${v.liveValidators} of ${total} validators are live.${rounds}`
      : 'Blocks are sealed by the chain’s one process: consensus does not apply on this runtime.',
  };
}

function blockRate(
  observation: NetworkObservation,
  previous: Pick<NetworkHealthSample, 'at' | 'headBlock'> | undefined,
): { secondsPerBlock?: number } {
  if (observation.headBlock === undefined || previous?.headBlock === undefined) return {};
  const blocks = observation.headBlock - previous.headBlock;
  const seconds = (Date.parse(observation.at) - Date.parse(previous.at)) / 1000;
  return blocks > 0 && seconds > 0 ? { secondsPerBlock: round(seconds / blocks) } : {};
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A state in which the network seals no block: an incident is open while it lasts. */
export function isOutage(state: NetworkState): boolean {
  return state === 'stalled' || state === 'below-quorum';
}
