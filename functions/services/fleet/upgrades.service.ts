/**
 * Rolling Besu upgrades as operators ask for them (docs/architecture.md, "Fleet operations"): a plan for a network's
 * nodes to a release (version and SHA-256), refused with the reason when the compatibility table or the nodes' state
 * says no; and the plan's commands (pause, resume, roll back, cancel). The upgrade runner carries plans out. Every
 * plan and command is audited in the platform's log.
 */
import { assertRelease, type BesuRelease, versionFromClientVersion } from '../../../shared/domain/besu-release.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import {
  commandPlan,
  type PlanCommand,
  planUpgrade,
  type UpgradePlan,
} from '../../../shared/domain/rolling-upgrade.ts';
import { ConflictError, InvalidStateError, NotFoundError } from '../../../shared/errors.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { UpgradesRepository } from '../../../shared/store/upgrades.repository.ts';
import type { Versioned } from '../../../shared/store/versioned-records.ts';
import { type AuditDeps, appendAudit, type ChangeAuthor } from '../audit/audit-trail.ts';
import { askMember } from './fleet-probe.ts';
import type { NetworkFleet } from './network-fleet.ts';

export interface UpgradeServiceDeps extends AuditDeps {
  readonly stores: AuditDeps['stores'] & {
    readonly networks: Pick<NetworksRepository, 'get'>;
    readonly upgrades: UpgradesRepository;
  };
  readonly fleet: NetworkFleet;
}

/** Audit actions of the commands (`upgrade.paused` is the alert the runner raises on a failure). */
const COMMAND_ACTIONS: Readonly<Record<PlanCommand, string>> = {
  pause: 'upgrade.pause-requested',
  resume: 'upgrade.resumed',
  'roll-back': 'upgrade.rollback-requested',
  cancel: 'upgrade.cancelled',
};

export class UpgradeService {
  constructor(private readonly deps: UpgradeServiceDeps) {}

  async plan(author: ChangeAuthor, networkId: string, target: BesuRelease): Promise<UpgradePlan> {
    const network = await this.#network(networkId);
    const to = assertRelease(target);
    const active = await this.deps.stores.upgrades.active(network.id);
    if (active)
      throw new ConflictError(`Plan ${active.id} (to Besu ${active.to.version}) is ${active.state}: finish it first`);
    const members = await this.deps.fleet.members(network);
    if (members.some((m) => m.runtime === 'anvil')) {
      throw new InvalidStateError('This network runs on the anvil runtime: it has no Besu to upgrade.');
    }
    const answers = await Promise.all(members.map((member) => askMember(member, 3_000)));
    const silent = answers.filter((a) => !a.answering || !versionFromClientVersion(a.clientVersion));
    if (silent.length > 0) {
      throw new InvalidStateError(
        `Every node must answer with its Besu version before a rolling upgrade; these do not: ${silent
          .map((a) => `${a.member.name} (${a.error ?? a.clientVersion ?? 'no version'})`)
          .join(', ')}.`,
      );
    }
    const plan = planUpgrade({
      id: newId('upgradePlan'),
      networkId: network.id,
      to,
      ...(network.besuRelease && { current: network.besuRelease }),
      targets: answers.map(({ member, clientVersion }) => ({
        nodeId: member.nodeId,
        name: member.name,
        kind: member.role,
        ...(member.address && { address: member.address }),
        version: versionFromClientVersion(clientVersion) as string,
      })),
      at: this.deps.clock().toISOString(),
      createdBy: author.actor.id,
    });
    const created = await this.deps.stores.upgrades.create(plan);
    await this.#audit(author, created, 'upgrade.planned', { steps: plan.steps.length, flags: plan.flags });
    return created;
  }

  async list(networkId: string): Promise<UpgradePlan[]> {
    await this.#network(networkId);
    return this.deps.stores.upgrades.list(networkId);
  }

  async get(networkId: string, planId: string): Promise<Versioned<UpgradePlan>> {
    await this.#network(networkId);
    const plan = await this.deps.stores.upgrades.get(networkId, planId);
    if (!plan) throw new NotFoundError('No such upgrade plan');
    return plan;
  }

  async command(author: ChangeAuthor, networkId: string, planId: string, command: PlanCommand): Promise<UpgradePlan> {
    const plan = await this.get(networkId, planId);
    const next = commandPlan(plan, command, this.deps.clock().toISOString(), author.actor.id);
    const saved = await this.deps.stores.upgrades.update(plan, next);
    await this.#audit(author, saved, COMMAND_ACTIONS[command], {});
    return saved;
  }

  async #audit(author: ChangeAuthor, plan: UpgradePlan, action: string, details: Record<string, unknown>) {
    await appendAudit(this.deps, author.requestId, {
      orgId: PLATFORM_ORG_ID,
      actor: author.actor,
      action,
      target: plan.networkId,
      details: { planId: plan.id, from: plan.from.version, to: plan.to.version, state: plan.state, ...details },
    });
  }

  async #network(networkId: string) {
    const network = await this.deps.stores.networks.get(networkId);
    if (!network) throw new NotFoundError('No such network');
    return network;
  }
}
