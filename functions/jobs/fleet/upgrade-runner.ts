/**
 * Carries out rolling Besu upgrades (docs/architecture.md, "Fleet operations"; the plan is
 * shared/domain/rolling-upgrade.ts). Each pass takes each running plan one action further:
 *
 * - before a validator goes down: the network must be producing and the BFT margin must allow one more validator
 *   down (checkValidatorOutage); otherwise the step waits, and pauses once it has waited `marginWaitMs`;
 * - the node is restarted on the step's release (the plan's target, or what it ran before when rolling back) with
 *   the plan's compatibility flags, through its runtime (local Besu process, EC2 instance, platform validator);
 * - the step is done when the node answers on that version within `maxBlocksBehind` of the network's head and the
 *   network sealed a block after the node went down; otherwise, after `verifyTimeoutMs`, the plan pauses.
 *
 * The first failure pauses the plan and raises the `upgrade.paused` alert. Every step is written before it is acted
 * on (one conditional write per change), so a pass that stops half-way is taken up by the next.
 */
import { versionFromClientVersion } from '../../../shared/domain/besu-release.ts';
import type { OutboxEntry } from '../../../shared/domain/events.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { assessNetwork } from '../../../shared/domain/network-health.ts';
import {
  currentStep,
  finished,
  flagsFor,
  paused,
  releaseFor,
  type UpgradePlan,
  type UpgradeStep,
  withStep,
} from '../../../shared/domain/rolling-upgrade.ts';
import { checkValidatorOutage } from '../../../shared/domain/validator-safety.ts';
import type { Logger } from '../../../shared/observability/logger.ts';
import type { AuditRepository } from '../../../shared/store/audit.repository.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import type { UpgradesRepository } from '../../../shared/store/upgrades.repository.ts';
import type { Versioned } from '../../../shared/store/versioned-records.ts';
import { auditFleetJob, raiseAlerts } from '../../services/fleet/fleet-alerts.ts';
import type { NetworkFleet } from '../../services/fleet/network-fleet.ts';
import { observeNetwork } from './network-observer.ts';

export interface UpgradeRunnerDeps {
  readonly stores: {
    readonly networks: NetworksRepository;
    readonly nodes: NodesRepository;
    readonly upgrades: UpgradesRepository;
    readonly audit: AuditRepository;
  };
  readonly fleet: NetworkFleet;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** How long a node has to answer on its new version at the head. @default 300_000 */
  readonly verifyTimeoutMs?: number;
  /** How long a validator step waits for the BFT margin or a producing network before pausing. @default 600_000 */
  readonly marginWaitMs?: number;
  /** Blocks a node may be behind the head and count as caught up. @default 2 */
  readonly maxBlocksBehind?: number;
  /** Deadline of each JSON-RPC call. @default 3_000 */
  readonly timeoutMs?: number;
}

type Plan = Versioned<UpgradePlan>;

/** The step a pass works on, with the plan as read and the pass's instant. */
interface StepAt {
  readonly network: Network;
  readonly plan: Plan;
  readonly index: number;
  readonly step: UpgradeStep;
  readonly direction: 'to' | 'from';
  readonly at: string;
}

export class UpgradeRunner {
  constructor(private readonly deps: UpgradeRunnerDeps) {}

  /** One action on every running plan. */
  async runPass(): Promise<{ plans: number; actions: number; errors: number }> {
    let plans = 0;
    let actions = 0;
    let errors = 0;
    for (const network of await this.deps.stores.networks.list()) {
      const plan = await this.deps.stores.upgrades.active(network.id);
      if (!plan || (plan.state !== 'running' && plan.state !== 'rolling-back')) continue;
      plans++;
      try {
        if (await this.advance(network, plan)) actions++;
      } catch (error) {
        errors++;
        this.deps.logger.warn('upgrade step failed; the next pass retries', { planId: plan.id, error });
      }
    }
    return { plans, actions, errors };
  }

  /** Takes the plan one action further; false when it only waited. */
  async advance(network: Network, plan: Plan): Promise<boolean> {
    const at = this.deps.clock().toISOString();
    const current = currentStep(plan);
    if (!current) {
      const done = await this.#save(plan, finished(plan, at));
      await this.#recordRelease(network, done);
      await this.#audit(done, done.state === 'completed' ? 'upgrade.completed' : 'upgrade.rolled-back', {});
      return true;
    }
    const { index, step, release: direction } = current;
    const acting =
      direction === 'to' ? step.state === 'pending' || step.state === 'upgrading' : step.state !== 'verifying';
    const stepAt: StepAt = { network, plan, index, step, direction, at };
    return acting ? this.#act(stepAt) : this.#verify(stepAt);
  }

  async #act({ network, plan, index, step, direction, at }: StepAt): Promise<boolean> {
    const members = await this.deps.fleet.members(network);
    const member = members.find((m) => m.nodeId === step.nodeId);
    if (!member) return this.#pause(plan, index, at, 'the node no longer runs on the network');
    if (step.kind === 'validator') {
      const look = await this.#look(network, members);
      const validators = look.sample.validators.map((v) => ({ address: v.address, live: v.live }));
      const verdict = step.address
        ? checkValidatorOutage(validators, step.address)
        : { ok: false as const, reason: 'the validator’s address is unknown' };
      const blocked = !verdict.ok ? verdict.reason : look.sample.state !== 'producing' ? look.sample.reason : undefined;
      if (blocked) {
        const since = step.startedAt ?? at;
        if (Date.parse(at) - Date.parse(since) > (this.deps.marginWaitMs ?? 600_000)) {
          return this.#pause(plan, index, at, `waited too long to take it down: ${blocked}`);
        }
        if (!step.startedAt) await this.#save(plan, withStep(plan, index, { startedAt: at }, at));
        return false;
      }
    }
    const started = await this.#save(
      plan,
      withStep(plan, index, { state: 'upgrading', startedAt: at, attempts: step.attempts + 1, error: undefined }, at),
    );
    try {
      await this.deps.fleet.upgrade(network, member, releaseFor(plan, direction), flagsFor(plan, direction));
    } catch (error) {
      return this.#pause(started, index, this.deps.clock().toISOString(), (error as Error).message);
    }
    await this.#save(started, withStep(started, index, { state: 'verifying' }, this.deps.clock().toISOString()));
    return true;
  }

  async #verify({ network, plan, index, step, direction, at }: StepAt): Promise<boolean> {
    const members = await this.deps.fleet.members(network);
    const look = await this.#look(network, members);
    const answer = look.answers.find((a) => a.member.nodeId === step.nodeId);
    const version = direction === 'to' ? plan.to.version : plan.from.version;
    const running = versionFromClientVersion(answer?.clientVersion);
    const head = look.sample.headBlock ?? 0;
    const problem = !answer?.answering
      ? `it does not answer (${answer?.error ?? 'not serving'})`
      : running !== version
        ? `it answers as ${answer.clientVersion ?? 'an unknown version'}, not Besu ${version}`
        : (answer.blockNumber ?? 0) < head - (this.deps.maxBlocksBehind ?? 2)
          ? `it is at block ${answer.blockNumber}, behind the head ${head}`
          : look.sample.state !== 'producing' ||
              (look.sample.headTimestamp ?? 0) * 1000 < Date.parse(step.startedAt ?? at)
            ? `the network has sealed no block since (${look.sample.reason})`
            : undefined;
    if (problem === undefined) {
      const state = direction === 'to' ? 'done' : 'rolled-back';
      await this.#save(plan, withStep(plan, index, { state, finishedAt: at }, at));
      return true;
    }
    if (Date.parse(at) - Date.parse(step.startedAt ?? at) > (this.deps.verifyTimeoutMs ?? 300_000)) {
      return this.#pause(plan, index, at, `not back on Besu ${version}: ${problem}`);
    }
    return false;
  }

  async #look(network: Network, members: Awaited<ReturnType<NetworkFleet['members']>>) {
    const nodes = await this.deps.stores.nodes.listByNetwork(network.id);
    const at = this.deps.clock().toISOString();
    const { observation, answers } = await observeNetwork(network, members, nodes, at, this.deps.timeoutMs ?? 3_000);
    return { sample: assessNetwork(network.id, observation, undefined, network.blockPeriodSeconds), answers };
  }

  async #pause(plan: Plan, index: number, at: string, reason: string): Promise<boolean> {
    const next = paused(plan, index, at, reason);
    const step = next.steps[index];
    const alert = {
      alert: 'upgrade.paused' as const,
      target: plan.id,
      details: { planId: plan.id, nodeId: step?.nodeId ?? null, node: step?.name ?? null, reason, to: plan.to.version },
    };
    const deps = { stores: this.deps.stores, clock: this.deps.clock, logger: this.deps.logger };
    await raiseAlerts(deps, plan.networkId, [alert], (events) => this.#save(plan, next, events));
    return true;
  }

  /** The network's record says which release its nodes run once a plan has finished. */
  async #recordRelease(network: Network, plan: UpgradePlan): Promise<void> {
    const release =
      plan.state === 'completed' ? plan.to : plan.from.sha256 ? { ...plan.from, sha256: plan.from.sha256 } : undefined;
    const fresh = (await this.deps.stores.networks.get(network.id)) ?? network;
    await this.deps.stores.networks.setBesuRelease(fresh, release);
  }

  #save(current: Plan, next: UpgradePlan, events: readonly OutboxEntry[] = []): Promise<Plan> {
    return this.deps.stores.upgrades.update(current, next, events);
  }

  async #audit(plan: UpgradePlan, action: string, details: Record<string, unknown>): Promise<void> {
    const about = { planId: plan.id, from: plan.from.version, to: plan.to.version };
    await auditFleetJob(this.deps, 'upgrade-runner', action, plan.networkId, { ...about, ...details });
  }
}
