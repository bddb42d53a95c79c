/**
 * The health monitor (docs/architecture.md, "Health, recovery and SLA"): one cycle probes every node that should
 * serve, a bounded number at a time, records a sample per node, keeps the node's `health` current, and recovers nodes
 * that keep failing — restart after N failed probes in a row, with exponential backoff between attempts; where
 * the runtime can rebuild a node (EC2: reboots, then a new instance) one replacement follows the M restarts, and
 * only then is the node marked `failed` with a reason people can act on. A replaced node goes to `starting`, and
 * the reconciler takes it to `running` once its new instance serves. A node that answers again goes back to
 * `running`.
 *
 * Each probe goes through the NodeProbe port (a JSON-RPC batch, plus Besu's health endpoints on Besu); a
 * self-hosted node's URL is its owner's input and is probed as untrusted. Every decision comes from the node's previous
 * sample (shared/domain/health.ts), so a cycle in a fresh Lambda decides like one in a long-lived process.
 * Locally a worker runs cycles on an interval; in AWS a schedule invokes one cycle per run.
 */

import { withoutEndpoints } from '../../shared/chain/json-rpc-call.ts';
import { backupTakesNodeDown } from '../../shared/domain/backup.ts';
import {
  assessProbe,
  DEFAULT_RECOVERY_POLICY,
  decideRecovery,
  type HealthExpectations,
  type HealthSample,
  type ProbeObservation,
  type RecoveryPolicy,
  withRecoveryAttempt,
} from '../../shared/domain/health.ts';
import type { Network } from '../../shared/domain/network.ts';
import { isServing, type NodeRecord, type NodeRuntime, type NodeState } from '../../shared/domain/node.ts';
import { PlatformError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import type { NodeProbe } from '../../shared/ports/node-probe.ts';
import type { NodeProvider } from '../../shared/ports/node-provider.ts';
import type { AuditRepository } from '../../shared/store/audit.repository.ts';
import type { BackupsRepository } from '../../shared/store/backups.repository.ts';
import type { HealthRepository } from '../../shared/store/health.repository.ts';
import { shardOf } from '../../shared/store/keys.ts';
import type { NetworksRepository } from '../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../shared/store/nodes.repository.ts';
import { ConditionFailedError } from '../../shared/store/table.ts';
import { probeTargetOf, shouldProbe } from './probe-targets.ts';

/** What the monitor needs of a node provider: read what exists, restart, and (where it can) replace. */
export type NodeRecoverer = Pick<NodeProvider, 'describe' | 'restart' | 'replace'>;

export interface HealthMonitorDeps {
  readonly nodes: NodesRepository;
  readonly networks: NetworksRepository;
  readonly audit: AuditRepository;
  readonly health: HealthRepository;
  /** Who restarts nodes of each runtime; nodes of a runtime without one are probed but not recovered. */
  readonly providers: Partial<Record<NodeRuntime, NodeRecoverer>>;
  /** How nodes are probed; members' own URLs are treated as untrusted by it. */
  readonly probe: NodeProbe;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** @default DEFAULT_RECOVERY_POLICY (3 failures, 3 attempts, 30 s doubling to 5 min) */
  readonly policy?: Partial<RecoveryPolicy>;
  /** Nodes probed at the same time. @default 16 */
  readonly concurrency?: number;
  /** Deadline of each probe request. @default 5_000 */
  readonly probeTimeoutMs?: number;
  /** Answers slower than this make a node degraded. @default 2_000 */
  readonly slowResponseMs?: number;
  /** Besu readiness: blocks a node may be behind its peers. @default 2 */
  readonly maxBlocksBehind?: number;
  /** A previous sample older than this is ignored (no failure streak or head carried over). @default 600_000 */
  readonly historyHorizonMs?: number;
  /** With it, a node a running backup took down is probed but not recovered (the backup starts it again). */
  readonly backups?: Pick<BackupsRepository, 'list'>;
}

export interface CycleReport {
  readonly cycle: number;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly probed: number;
  readonly healthy: number;
  readonly degraded: number;
  readonly unhealthy: number;
  readonly restarts: number;
  /** Nodes whose resources were rebuilt after their restarts failed. */
  readonly replacements: number;
  readonly gaveUp: number;
  readonly recovered: number;
  /** Nodes whose check failed for a reason of ours (table write, unknown network); the next cycle retries. */
  readonly errors: number;
}

type Outcome = 'restarted' | 'replaced' | 'gave-up' | 'recovered' | 'none';

const REPLACING_REASON = 'Replacing the instance after failed reboots';

export class HealthMonitor {
  readonly #deps: HealthMonitorDeps;
  readonly #policy: RecoveryPolicy;
  readonly #historyHorizonMs: number;
  /** Each node's last sample, so a warm monitor reads no history from the table. */
  readonly #previous = new Map<string, HealthSample>();
  #cycles = 0;

  constructor(deps: HealthMonitorDeps) {
    this.#deps = deps;
    this.#policy = { ...DEFAULT_RECOVERY_POLICY, ...deps.policy };
    this.#historyHorizonMs = deps.historyHorizonMs ?? 600_000;
  }

  /** Cycles started so far. */
  get cycles(): number {
    return this.#cycles;
  }

  /**
   * One pass over every node that should serve — or only those of one fleet shard (GSI2), so a schedule can fan
   * out one run per shard. Never throws for one node's trouble.
   */
  async runCycle(options: { readonly shard?: number } = {}): Promise<CycleReport> {
    const cycle = ++this.#cycles;
    const startedAt = this.#deps.clock();
    const started = performance.now();
    const fleet = await this.#deps.nodes.listFleet();
    const { shard } = options;
    const monitored = fleet.filter((n) => shouldProbe(n) && (shard === undefined || shardOf(n.id) === shard));
    const networks = new Map<string, Promise<Network | undefined>>();
    const network = (id: string) => {
      if (!networks.has(id)) networks.set(id, this.#deps.networks.get(id));
      return networks.get(id) as Promise<Network | undefined>;
    };
    // Nodes that are gone (or no longer watched) leave the cache; with a shard, only that shard's are known.
    if (shard === undefined) {
      const watched = new Set(monitored.map((n) => n.id));
      for (const id of this.#previous.keys()) if (!watched.has(id)) this.#previous.delete(id);
    }
    const servingPerNetwork = new Map<string, number>();
    for (const node of fleet.filter((n) => isServing(n.state))) {
      servingPerNetwork.set(node.networkId, (servingPerNetwork.get(node.networkId) ?? 0) + 1);
    }

    const counts = {
      healthy: 0,
      degraded: 0,
      unhealthy: 0,
      restarts: 0,
      replacements: 0,
      gaveUp: 0,
      recovered: 0,
      errors: 0,
    };
    const queue = [...monitored];
    const worker = async () => {
      for (let node = queue.shift(); node; node = queue.shift()) {
        try {
          const net = await network(node.networkId);
          if (!net) throw new PlatformError(`Network ${node.networkId} of node ${node.id} does not exist`);
          const peersExpected = node.runtime !== 'anvil' && (servingPerNetwork.get(node.networkId) ?? 0) > 1;
          const { sample, outcome } = await this.checkNode(node, {
            blockPeriodSeconds: net.blockPeriodSeconds,
            minPeers: peersExpected ? 1 : 0,
            ...(this.#deps.slowResponseMs !== undefined && { slowResponseMs: this.#deps.slowResponseMs }),
          });
          counts[sample.health]++;
          if (outcome === 'restarted') counts.restarts++;
          if (outcome === 'replaced') counts.replacements++;
          if (outcome === 'gave-up') counts.gaveUp++;
          if (outcome === 'recovered') counts.recovered++;
        } catch (error) {
          counts.errors++;
          this.#deps.logger.warn('health check failed; the next cycle retries', { nodeId: node.id, error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.#deps.concurrency ?? 16) }, worker));
    return {
      cycle,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - started),
      probed: monitored.length,
      ...counts,
    };
  }

  /** Probes one node, records the sample and acts on it. */
  async checkNode(node: NodeRecord, expected: HealthExpectations): Promise<{ sample: HealthSample; outcome: Outcome }> {
    const observation = await this.probe(node, expected.minPeers);
    let previous = this.#previous.get(node.id) ?? (await this.#deps.health.latestSample(node.id));
    // History from before a gap (a stopped node, a paused monitor) says nothing about the node now — except a
    // replacement's: the gap is the new instance's launch, and what follows it decides whether to give up.
    const gap = previous ? Date.parse(observation.at) - Date.parse(previous.at) : 0;
    if (gap > this.#historyHorizonMs && previous?.recovery?.action !== 'replace') previous = undefined;
    let sample = assessProbe(observation, previous, expected);
    let current = node;
    let outcome: Outcome = 'none';

    const provider = this.#deps.providers[node.runtime];
    let decision = this.recoverable(node)
      ? decideRecovery(sample, this.#policy, { replaceable: provider?.replace !== undefined })
      : ({ action: 'none' } as const);
    // A node a backup took down (EC2: stopped, then archiving before Besu starts) is the backup's to start again.
    if (decision.action === 'restart' || decision.action === 'replace') {
      const backups = this.#deps.backups && (await this.#deps.backups.list(node.networkId, 20));
      if (backups && backupTakesNodeDown(backups, node.id)) decision = { action: 'none' };
    }
    if (decision.action === 'restart') {
      current = await this.moveTo(current, 'degraded', {
        reason: 'Recovering: the node stopped answering and is being restarted',
      });
      sample = await this.restart(current, sample, decision.attempt);
      outcome = 'restarted';
    } else if (decision.action === 'replace') {
      current = await this.moveTo(current, 'degraded', {
        reason: 'Recovering: the node stopped answering and is being restarted',
      });
      ({ node: current, sample } = await this.replace(current, sample, decision.attempt));
      outcome = 'replaced';
    } else if (decision.action === 'give-up') {
      current = await this.moveTo(current, 'failed', { reason: decision.reason });
      outcome = 'gave-up';
    } else if (sample.health !== 'unhealthy') {
      const revived = await this.revive(current);
      if (revived !== current) outcome = 'recovered';
      current = revived;
    }

    await this.#deps.health.putSample({ ...sample, nodeId: node.id, orgId: node.orgId });
    this.#previous.set(node.id, sample);
    await this.recordHealth(current, sample);
    return { sample, outcome };
  }

  private recoverable(node: NodeRecord): boolean {
    return node.hosting === 'managed' && isServing(node.state) && this.#deps.providers[node.runtime] !== undefined;
  }

  private async restart(node: NodeRecord, sample: HealthSample, attempt: number): Promise<HealthSample> {
    const provider = this.#deps.providers[node.runtime];
    let recorded: HealthSample;
    try {
      await provider?.restart(node);
      recorded = withRecoveryAttempt(sample, attempt, 'requested');
    } catch (error) {
      // The attempt counts either way: a restart that cannot even be asked for is a failed recovery.
      recorded = withRecoveryAttempt(sample, attempt, 'failed', withoutEndpoints((error as Error).message));
    }
    this.#deps.logger.info('node restart attempted', {
      nodeId: node.id,
      attempt,
      outcome: recorded.recovery?.outcome,
      error: recorded.recovery?.error,
    });
    await this.auditEvent(node, 'node.restart-attempted', {
      attempt,
      maxAttempts: this.#policy.maxAttempts,
      outcome: recorded.recovery?.outcome,
      error: recorded.recovery?.error,
    });
    return recorded;
  }

  /**
   * Rebuilds the node's resources (a new instance under this attempt's own token, so a retried call launches
   * nothing more) and moves the node to `starting` with its new reference; the reconciler takes it to `running`.
   * A replacement that cannot be made counts as the last attempt: the next decision gives up.
   */
  private async replace(
    node: NodeRecord,
    sample: HealthSample,
    attempt: number,
  ): Promise<{ node: NodeRecord; sample: HealthSample }> {
    const provider = this.#deps.providers[node.runtime];
    let current = node;
    let recorded: HealthSample;
    let providerRef: string | undefined;
    try {
      const network = await this.#deps.networks.get(node.networkId);
      if (!network || !provider?.replace) throw new PlatformError(`Node ${node.id} cannot be replaced`);
      ({ providerRef } = await provider.replace(node, network, `${node.id}-r${attempt}`));
      recorded = withRecoveryAttempt(sample, attempt, 'requested', undefined, 'replace');
    } catch (error) {
      recorded = withRecoveryAttempt(sample, attempt, 'failed', withoutEndpoints((error as Error).message), 'replace');
    }
    if (providerRef !== undefined) {
      current = await this.moveTo(node, 'starting', { reason: REPLACING_REASON, providerRef });
      // Changed meanwhile: the record still has to name the instance that now exists.
      if (current === node) {
        const fresh = await this.#deps.nodes.get(node.orgId, node.id);
        if (fresh) current = await this.#deps.nodes.annotate(fresh, { providerRef });
      }
    }
    this.#deps.logger.info('node replacement attempted', {
      nodeId: node.id,
      attempt,
      outcome: recorded.recovery?.outcome,
      error: recorded.recovery?.error,
    });
    await this.auditEvent(node, recorded.recovery?.outcome === 'requested' ? 'node.replaced' : 'node.replace-failed', {
      attempt,
      previousProviderRef: node.providerRef ?? null,
      providerRef: providerRef ?? null,
      error: recorded.recovery?.error,
    });
    return { node: current, sample: recorded };
  }

  /** A node that answers again: `degraded` (recovering) → `running`; `failed` → `starting` → `running`. */
  private async revive(node: NodeRecord): Promise<NodeRecord> {
    if (node.state === 'degraded') return this.moveTo(node, 'running', { reason: undefined });
    if (node.state !== 'failed' || node.hosting !== 'managed') return node;
    // The URL may answer for another reason (a shared chain): only a node whose resources exist is revived.
    const description = await this.#deps.providers[node.runtime]?.describe(node);
    if (description?.status !== 'running') return node;
    const starting = await this.moveTo(node, 'starting', { reason: 'Answering again after a failure' });
    if (starting === node) return node;
    return this.moveTo(starting, 'running', {
      reason: undefined,
      endpoints: { rpcUrl: description.rpcUrl ?? node.endpoints.rpcUrl, p2pPort: description.p2pPort },
    });
  }

  /** A lifecycle step, audited; someone else's concurrent change wins and the next cycle looks again. */
  private async moveTo(
    node: NodeRecord,
    to: NodeState,
    changes: Parameters<NodesRepository['transition']>[2],
  ): Promise<NodeRecord> {
    if (node.state === to) return node;
    try {
      const moved = await this.#deps.nodes.transition(node, to, changes);
      await this.auditEvent(moved, `node.${to}`, { from: node.state, to, reason: moved.reason });
      return moved;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      this.#deps.logger.info('node changed meanwhile; the next cycle decides again', { nodeId: node.id, to });
      return node;
    }
  }

  /** Keeps the node's health fields current; writes only on change. */
  private async recordHealth(node: NodeRecord, sample: HealthSample): Promise<void> {
    if (node.health === sample.health && node.healthReason === sample.reason) return;
    const changed = node.health !== sample.health;
    const write = (target: NodeRecord) =>
      this.#deps.nodes.annotate(target, {
        health: sample.health,
        healthReason: sample.reason,
        healthChangedAt: changed ? sample.at : (target.healthChangedAt ?? sample.at),
      });
    try {
      await write(node);
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const fresh = await this.#deps.nodes.get(node.orgId, node.id);
      if (fresh) await write(fresh);
    }
    if (changed) {
      await this.auditEvent(node, 'node.health-changed', {
        from: node.health ?? null,
        to: sample.health,
        reason: sample.reason,
      });
    }
  }

  private async auditEvent(node: NodeRecord, action: string, details: Record<string, unknown>): Promise<void> {
    await this.#deps.audit.append({
      orgId: node.orgId,
      at: this.#deps.clock().toISOString(),
      actor: { type: 'system', id: 'health-monitor' },
      action,
      target: node.id,
      requestId: undefined,
      details,
    });
  }

  /** One probe through the NodeProbe port; a member's own URL is probed as the untrusted input it is. */
  async probe(node: NodeRecord, minPeers: number): Promise<ProbeObservation> {
    const at = this.#deps.clock().toISOString();
    const result = await this.#deps.probe.probe(probeTargetOf(node), {
      minPeers,
      maxBlocksBehind: this.#deps.maxBlocksBehind ?? 2,
      timeoutMs: this.#deps.probeTimeoutMs ?? 5_000,
    });
    return { at, ...result };
  }
}
