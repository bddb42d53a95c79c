/**
 * Node health (docs/architecture.md, "Health, recovery and SLA"), pure: what one probe observed, what it means given the
 * node's previous sample (healthy, degraded or unhealthy, with a reason a person can act on), and whether the
 * node should be restarted, replaced (runtimes that can rebuild a node's resources), waited for, or given up on.
 *
 * The previous sample carries the little history the rules need (when the head last moved, how many probes in a
 * row failed, how many restarts were tried), so a monitor that kept nothing in memory — a Lambda after a cold
 * start — decides exactly as one that ran all along.
 */
import type { NodeHealth } from './node.ts';

export type { NodeHealth } from './node.ts';
export const NODE_HEALTHS = ['healthy', 'degraded', 'unhealthy'] as const satisfies readonly NodeHealth[];

/** Besu's `GET /readiness` and `GET /liveness` answers; `unreachable` when nothing answered. */
export const BESU_PROBE_RESULTS = ['up', 'down', 'unreachable'] as const;
export type BesuProbeResult = (typeof BESU_PROBE_RESULTS)[number];

/** What came of a recovery a probe asked for. */
export const RECOVERY_OUTCOMES = ['requested', 'failed'] as const;
export type RecoveryOutcome = (typeof RECOVERY_OUTCOMES)[number];

/** What one probe of a node saw, before any judgement. */
export interface ProbeObservation {
  /** When the probe started (ISO 8601). */
  readonly at: string;
  /** Whether `eth_blockNumber` answered with a block number. */
  readonly rpcOk: boolean;
  /** Why the RPC probe failed (connection refused, timeout, HTTP status, JSON-RPC error). */
  readonly rpcError?: string;
  /** Round trip of the probe's JSON-RPC request. */
  readonly latencyMs?: number;
  readonly blockNumber?: number;
  /** `eth_syncing`: false when in sync; blocks behind when syncing. Absent when not asked or not answered. */
  readonly syncing?: { readonly currentBlock: number; readonly highestBlock: number } | false;
  /** `net_peerCount`, only where peers are expected (more than one node, not the shared anvil chain). */
  readonly peerCount?: number;
  /** Besu runtime only. */
  readonly liveness?: BesuProbeResult;
  readonly readiness?: BesuProbeResult;
}

/** What is expected of the node being judged. */
export interface HealthExpectations {
  /** The network's block period: the head must move within 3 of them. */
  readonly blockPeriodSeconds: number;
  /** Peers the node must have; 0 where peers are not checked. */
  readonly minPeers: number;
  /** Answers slower than this make a node degraded. @default 2000 */
  readonly slowResponseMs?: number;
}

/** A probe with its judgement and the history the next judgement needs. Stored as the node's health sample. */
export interface HealthSample extends ProbeObservation {
  readonly health: NodeHealth;
  /** Always present: what is wrong, or that all checks passed. Stable wording (no counters), so it can be compared. */
  readonly reason: string;
  /** When the head last advanced, as far as the probes saw. */
  readonly headChangedAt?: string;
  /** The node served a head that advanced within 3 block periods (block production, reported apart from RPC). */
  readonly headAdvancing: boolean;
  /** Unhealthy probes in a row, this one included. */
  readonly consecutiveFailures: number;
  /** Restarts (and a replacement, where tried) since the failures began. */
  readonly recoveryAttempts: number;
  readonly lastRecoveryAt?: string;
  /** Set on the sample of the probe that tried a restart, or (`action: 'replace'`) a replacement. */
  readonly recovery?: {
    readonly attempt: number;
    readonly outcome: RecoveryOutcome;
    readonly error?: string;
    readonly action?: 'replace';
  };
}

export const HEAD_STALL_BLOCK_PERIODS = 3;
const DEFAULT_SLOW_RESPONSE_MS = 2_000;

/** Judges a probe in the light of the node's previous sample. */
export function assessProbe(
  observation: ProbeObservation,
  previous: HealthSample | undefined,
  expected: HealthExpectations,
): HealthSample {
  const now = Date.parse(observation.at);
  const headChangedAt = nextHeadChangedAt(observation, previous);
  const stallLimitMs = HEAD_STALL_BLOCK_PERIODS * expected.blockPeriodSeconds * 1000;
  const headAdvancing =
    observation.rpcOk && headChangedAt !== undefined && now - Date.parse(headChangedAt) <= stallLimitMs;
  const { health, reason } = judge(observation, headAdvancing, expected);
  const failing = health === 'unhealthy';
  return {
    ...observation,
    health,
    reason,
    ...(headChangedAt !== undefined && { headChangedAt }),
    headAdvancing,
    consecutiveFailures: failing ? (previous?.consecutiveFailures ?? 0) + 1 : 0,
    // A failure streak keeps its restart count; a node that answers again starts afresh.
    recoveryAttempts: failing ? (previous?.recoveryAttempts ?? 0) : 0,
    ...(failing && previous?.lastRecoveryAt !== undefined && { lastRecoveryAt: previous.lastRecoveryAt }),
  };
}

function nextHeadChangedAt(observation: ProbeObservation, previous: HealthSample | undefined): string | undefined {
  if (observation.blockNumber === undefined) return previous?.headChangedAt;
  // After an outage the previous sample has no head: the first head seen again counts as fresh.
  const lastHead = previous?.blockNumber;
  // The first head seen counts as fresh: nothing yet says it is stale.
  if (lastHead === undefined || observation.blockNumber > lastHead || previous?.headChangedAt === undefined) {
    return observation.at;
  }
  // A head that went backwards is a restarted chain (or another node behind the URL): it moved.
  if (observation.blockNumber < lastHead) return observation.at;
  return previous.headChangedAt;
}

/** How the reason of a node short of peers begins (the reconciler connects such a node again). */
export const TOO_FEW_PEERS = 'Too few peers';

function judge(
  o: ProbeObservation,
  headAdvancing: boolean,
  expected: HealthExpectations,
): { health: NodeHealth; reason: string } {
  if (!o.rpcOk)
    return { health: 'unhealthy', reason: `The node does not answer JSON-RPC (${o.rpcError ?? 'no answer'})` };
  if (o.liveness === 'down' || o.liveness === 'unreachable') {
    return { health: 'unhealthy', reason: 'Besu reports it is not live (GET /liveness)' };
  }
  const stallSeconds = HEAD_STALL_BLOCK_PERIODS * expected.blockPeriodSeconds;
  if (o.syncing) {
    return { health: 'degraded', reason: 'The node is syncing: its head is behind the network’s' };
  }
  if (!headAdvancing) {
    return {
      health: 'degraded',
      reason: `No new block within ${stallSeconds} s (${HEAD_STALL_BLOCK_PERIODS} block periods)`,
    };
  }
  if (expected.minPeers > 0 && o.peerCount !== undefined && o.peerCount < expected.minPeers) {
    return {
      health: 'degraded',
      reason: `${TOO_FEW_PEERS}: fewer than ${expected.minPeers} connected although the network has other nodes`,
    };
  }
  if (o.readiness === 'down' || o.readiness === 'unreachable') {
    return { health: 'degraded', reason: 'Besu reports it is not ready (too few peers or too far behind)' };
  }
  const slowMs = expected.slowResponseMs ?? DEFAULT_SLOW_RESPONSE_MS;
  if (o.latencyMs !== undefined && o.latencyMs > slowMs) {
    return { health: 'degraded', reason: `Slow JSON-RPC answers (over ${slowMs} ms)` };
  }
  return { health: 'healthy', reason: 'Answers JSON-RPC and produces blocks' };
}

export interface RecoveryPolicy {
  /** Unhealthy probes in a row before the first restart. @default 3 */
  readonly failureThreshold: number;
  /** Restarts tried before giving up on the node (it becomes `failed`). @default 3 */
  readonly maxAttempts: number;
  /** Wait after the first restart before the next; doubles after each. @default 30_000 */
  readonly initialBackoffMs: number;
  /** @default 300_000 */
  readonly maxBackoffMs: number;
}

export const DEFAULT_RECOVERY_POLICY: RecoveryPolicy = {
  failureThreshold: 3,
  maxAttempts: 3,
  initialBackoffMs: 30_000,
  maxBackoffMs: 300_000,
};

export type RecoveryDecision =
  | { readonly action: 'none' }
  /** Failing, but not yet often enough, or the last restart is still being given its time. */
  | { readonly action: 'wait'; readonly until?: string }
  | { readonly action: 'restart'; readonly attempt: number }
  /** Restarts are used up: the node's resources are rebuilt once (attempt `maxAttempts + 1`). */
  | { readonly action: 'replace'; readonly attempt: number }
  | { readonly action: 'give-up'; readonly reason: string };

/** The wait after restart number `attempt` (1-based) before the next step. */
export function backoffAfter(attempt: number, policy: RecoveryPolicy): number {
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * What to do about a node given its latest sample. With `replaceable` (the node's runtime can rebuild its
 * resources, as EC2 can) the restarts are followed by one replacement before the node is given up on.
 */
export function decideRecovery(
  sample: HealthSample,
  policy: RecoveryPolicy = DEFAULT_RECOVERY_POLICY,
  options: { readonly replaceable?: boolean } = {},
): RecoveryDecision {
  if (sample.health !== 'unhealthy') return { action: 'none' };
  if (sample.consecutiveFailures < policy.failureThreshold) return { action: 'wait' };
  if (sample.recoveryAttempts > 0 && sample.lastRecoveryAt !== undefined) {
    const nextAt = Date.parse(sample.lastRecoveryAt) + backoffAfter(sample.recoveryAttempts, policy);
    if (Date.parse(sample.at) < nextAt) return { action: 'wait', until: new Date(nextAt).toISOString() };
  }
  if (sample.recoveryAttempts > policy.maxAttempts) {
    const reboots = sample.recoveryAttempts - 1;
    return {
      action: 'give-up',
      reason:
        `The node stopped answering and did not come back after ${reboots} reboot${reboots === 1 ? '' : 's'} ` +
        `and a replacement of its instance (last probe: ${sample.reason}). ` +
        'CareChain operators see it at the top of the fleet view; start it again or delete it.',
    };
  }
  if (sample.recoveryAttempts === policy.maxAttempts && options.replaceable) {
    return { action: 'replace', attempt: sample.recoveryAttempts + 1 };
  }
  if (sample.recoveryAttempts >= policy.maxAttempts) {
    return {
      action: 'give-up',
      reason:
        `The node stopped answering and did not come back after ${sample.recoveryAttempts} ` +
        `restart${sample.recoveryAttempts === 1 ? '' : 's'} (last probe: ${sample.reason}). ` +
        'CareChain operators see it at the top of the fleet view; start it again or delete it.',
    };
  }
  return { action: 'restart', attempt: sample.recoveryAttempts + 1 };
}

/** The sample as stored once a restart was tried during its probe. */
export function withRecoveryAttempt(
  sample: HealthSample,
  attempt: number,
  outcome: 'requested' | 'failed',
  error?: string,
  action: 'restart' | 'replace' = 'restart',
): HealthSample {
  return {
    ...sample,
    recoveryAttempts: attempt,
    lastRecoveryAt: sample.at,
    recovery: { attempt, outcome, ...(error !== undefined && { error }), ...(action === 'replace' && { action }) },
  };
}
