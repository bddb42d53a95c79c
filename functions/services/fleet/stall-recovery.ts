/**
 * Recovering a stalled network (docs/architecture.md, "Fleet operations"): the coordinated restart of its managed
 * validators, done by the network-health monitor when an incident's scheduled restart is due and by operators on
 * request, and the operators' other two levers: restarting only the validators that are down (what a network below
 * quorum needs first), and cancelling a scheduled restart. Every change lands on the incident's timeline (one
 * conditional write each) and in the platform's audit log.
 */
import type { Network } from '../../../shared/domain/network.ts';
import {
  cancelScheduledRestart,
  type IncidentActor,
  type NetworkIncident,
  operatorRestart,
  restartOutcome,
} from '../../../shared/domain/network-incident.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import { InvalidStateError, NotFoundError } from '../../../shared/errors.ts';
import type { NetworkHealthRepository } from '../../../shared/store/network-health.repository.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { Versioned } from '../../../shared/store/versioned-records.ts';
import { type AuditDeps, appendAudit, type ChangeAuthor } from '../audit/audit-trail.ts';
import type { NetworkFleet, RestartResult } from './network-fleet.ts';

export interface StallRecoveryDeps extends AuditDeps {
  readonly stores: AuditDeps['stores'] & {
    readonly networks: Pick<NetworksRepository, 'get'>;
    readonly networkHealth: NetworkHealthRepository;
  };
  readonly fleet: NetworkFleet;
}

export const RECOVERY_SCOPES = ['all-validators', 'down-validators'] as const;
export type RecoveryScope = (typeof RECOVERY_SCOPES)[number];

export class StallRecovery {
  constructor(private readonly deps: StallRecoveryDeps) {}

  /**
   * Restarts every validator the platform runs on the network at the same time and records what came of it on the
   * incident (which the caller has already marked `restarting`).
   */
  async restartValidators(
    network: Network,
    incident: Versioned<NetworkIncident>,
  ): Promise<{ incident: Versioned<NetworkIncident>; result: RestartResult }> {
    const validators = (await this.deps.fleet.members(network)).filter((m) => m.role === 'validator');
    const result = await this.deps.fleet.restartTogether(network, validators);
    const done = restartOutcome(incident, this.deps.clock().toISOString(), result.restarted, result.failures);
    return { incident: await this.deps.stores.networkHealth.updateIncident(incident, done), result };
  }

  /**
   * An operator's restart. `all-validators`: the coordinated restart, refused below quorum (it cannot help there).
   * `down-validators`: only the managed validators the latest look found down, which is how a network below quorum
   * is brought back first.
   */
  async operatorRestart(author: ChangeAuthor, networkId: string, scope: RecoveryScope): Promise<RestartResult> {
    const network = await this.#network(networkId);
    const health = this.deps.stores.networkHealth;
    const sample = await health.latestSample(network.id);
    const open = await health.openIncident(network.id);
    const at = this.deps.clock().toISOString();
    const actor: IncidentActor = { type: author.actor.type === 'user' ? 'user' : 'system', id: author.actor.id };
    let result: RestartResult;
    if (scope === 'all-validators') {
      const restarting = await health.updateIncident(
        open as Versioned<NetworkIncident>,
        operatorRestart(open, sample, actor, at),
      );
      ({ result } = await this.restartValidators(network, restarting));
    } else {
      const down = new Set(sample?.validatorsDown ?? []);
      const members = (await this.deps.fleet.members(network)).filter(
        (m) => m.role === 'validator' && m.address !== undefined && down.has(m.address),
      );
      if (members.length === 0) {
        throw new InvalidStateError(
          down.size === 0
            ? 'No validator of the network is down at the latest look.'
            : `The validators down (${[...down].join(', ')}) are not run by the platform: their owners restart them.`,
        );
      }
      result = await this.deps.fleet.restartTogether(network, members);
      if (open) {
        await health.updateIncident(open, {
          ...open,
          timeline: [
            ...open.timeline,
            {
              at,
              event: 'restart-requested',
              detail: `An operator restarted the validators that were down: ${result.restarted.join(', ') || 'none'}.`,
              actor,
              validators: result.restarted,
            },
          ],
        });
      }
    }
    await appendAudit(this.deps, author.requestId, {
      orgId: PLATFORM_ORG_ID,
      actor: author.actor,
      action: 'network.validators-restarted',
      target: network.id,
      details: { scope, restarted: result.restarted, failures: result.failures, incidentId: open?.id ?? null },
    });
    return result;
  }

  /** Withdraws the automatic restart an incident has scheduled. */
  async cancel(author: ChangeAuthor, networkId: string, incidentId: string): Promise<NetworkIncident> {
    const network = await this.#network(networkId);
    const incident = await this.deps.stores.networkHealth.getIncident(network.id, incidentId);
    if (!incident) throw new NotFoundError('No such incident');
    const actor: IncidentActor = { type: 'user', id: author.actor.id };
    const cancelled = await this.deps.stores.networkHealth.updateIncident(
      incident,
      cancelScheduledRestart(incident, actor, this.deps.clock().toISOString()),
    );
    await appendAudit(this.deps, author.requestId, {
      orgId: PLATFORM_ORG_ID,
      actor: author.actor,
      action: 'network.restart-cancelled',
      target: network.id,
      details: { incidentId },
    });
    return cancelled;
  }

  async #network(networkId: string): Promise<Network> {
    const network = await this.deps.stores.networks.get(networkId);
    if (!network) throw new NotFoundError('No such network');
    return network;
  }
}
