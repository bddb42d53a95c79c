/**
 * The network-health monitor (docs/architecture.md, "Fleet operations"): each pass looks at every active network
 * through the nodes the platform runs on it (network-observer.ts), judges the look (shared/domain/network-health.ts),
 * records it as the network's health sample, and carries incidents: opens one when the network stops sealing,
 * writes down what is seen and done, has the validators restarted together when a stall with a quorum live is due
 * for it (shared/domain/network-incident.ts), and closes it at the first block. Alerts (network stalled or
 * recovered, validator down) go to the audit logs of the platform and of the network's member organisations.
 *
 * Every decision comes from the stored sample and incident, so a pass in a fresh Lambda decides like one in a
 * long-lived process. Locally a worker runs passes on an interval; in AWS a schedule invokes one per run.
 */
import { newId } from '../../../shared/domain/ids.ts';
import type { Network } from '../../../shared/domain/network.ts';
import {
  assessNetwork,
  DEFAULT_NETWORK_HEALTH_POLICY,
  type NetworkHealthPolicy,
  type NetworkHealthSample,
} from '../../../shared/domain/network-health.ts';
import {
  DEFAULT_STALL_RECOVERY_POLICY,
  nextIncidentStep,
  type StallRecoveryPolicy,
} from '../../../shared/domain/network-incident.ts';
import type { Logger } from '../../../shared/observability/logger.ts';
import type { AuditRepository } from '../../../shared/store/audit.repository.ts';
import type { NetworkHealthRepository } from '../../../shared/store/network-health.repository.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import { raiseAlert } from '../../services/fleet/fleet-alerts.ts';
import type { NetworkFleet } from '../../services/fleet/network-fleet.ts';
import { StallRecovery } from '../../services/fleet/stall-recovery.ts';
import { observeNetwork } from './network-observer.ts';

export interface NetworkHealthMonitorDeps {
  readonly stores: {
    readonly networks: NetworksRepository;
    readonly nodes: NodesRepository;
    readonly networkHealth: NetworkHealthRepository;
    readonly audit: AuditRepository;
  };
  readonly fleet: NetworkFleet;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly policy?: Partial<NetworkHealthPolicy>;
  readonly recovery?: Partial<StallRecoveryPolicy>;
  /** Deadline of each JSON-RPC call to a node. @default 3_000 */
  readonly timeoutMs?: number;
}

export interface NetworkPassReport {
  readonly networks: number;
  readonly states: Readonly<Record<string, string>>;
  readonly restarts: number;
  readonly errors: number;
}

export class NetworkHealthMonitor {
  readonly #deps: NetworkHealthMonitorDeps;
  readonly #recovery: StallRecovery;
  readonly #policy: NetworkHealthPolicy;
  readonly #recoveryPolicy: StallRecoveryPolicy;

  constructor(deps: NetworkHealthMonitorDeps) {
    this.#deps = deps;
    this.#recovery = new StallRecovery({ stores: deps.stores, fleet: deps.fleet, clock: deps.clock });
    this.#policy = { ...DEFAULT_NETWORK_HEALTH_POLICY, ...deps.policy };
    this.#recoveryPolicy = { ...DEFAULT_STALL_RECOVERY_POLICY, ...deps.recovery };
  }

  /** One look at every active network; one network's trouble never stops the others. */
  async runPass(): Promise<NetworkPassReport> {
    const networks = (await this.#deps.stores.networks.list()).filter((n) => n.status === 'active');
    const states: Record<string, string> = {};
    let restarts = 0;
    let errors = 0;
    for (const network of networks) {
      try {
        const { sample, restarted } = await this.checkNetwork(network);
        states[network.id] = sample.state;
        if (restarted) restarts++;
      } catch (error) {
        errors++;
        this.#deps.logger.warn('network health check failed; the next pass retries', { networkId: network.id, error });
      }
    }
    return { networks: networks.length, states, restarts, errors };
  }

  async checkNetwork(network: Network): Promise<{ sample: NetworkHealthSample; restarted: boolean }> {
    const { stores, fleet, clock } = this.#deps;
    const [members, nodes, previous] = await Promise.all([
      fleet.members(network),
      stores.nodes.listByNetwork(network.id),
      stores.networkHealth.latestSample(network.id),
    ]);
    const at = clock().toISOString();
    const { observation } = await observeNetwork(network, members, nodes, at, this.#deps.timeoutMs ?? 3_000);
    const sample = assessNetwork(network.id, observation, previous, network.blockPeriodSeconds, this.#policy);
    await stores.networkHealth.putSample(sample);
    await this.#alertValidatorsDown(sample, previous);
    return { sample, restarted: await this.#carryIncident(network, sample) };
  }

  async #carryIncident(network: Network, sample: NetworkHealthSample): Promise<boolean> {
    const health = this.#deps.stores.networkHealth;
    const open = await health.openIncident(network.id);
    const step = nextIncidentStep(sample, open, () => newId('incident'), this.#recoveryPolicy);
    if (step.kind === 'none') return false;
    const saved = open ? await health.updateIncident(open, step.incident) : await health.createIncident(step.incident);
    if (step.kind === 'record' && step.resolved) {
      await raiseAlert(this.#alertDeps(), 'network.recovered', network.id, network.id, {
        incidentId: saved.id,
        headBlock: sample.headBlock ?? null,
        stalledSince: saved.openedAt,
      });
    }
    if (step.opened) {
      await raiseAlert(this.#alertDeps(), 'network.stalled', network.id, network.id, {
        incidentId: saved.id,
        state: sample.state,
        reason: sample.reason,
        validatorsDown: sample.validatorsDown,
      });
    }
    if (step.kind !== 'restart') return false;
    const { result } = await this.#recovery.restartValidators(network, saved);
    this.#deps.logger.info('validators restarted together', { networkId: network.id, ...result });
    return true;
  }

  /** One alert per validator that went down since the previous look. */
  async #alertValidatorsDown(sample: NetworkHealthSample, previous: NetworkHealthSample | undefined): Promise<void> {
    const before = new Set(previous?.validatorsDown ?? []);
    for (const address of sample.validatorsDown.filter((a) => !before.has(a))) {
      const validator = sample.validators.find((v) => v.address === address);
      await raiseAlert(this.#alertDeps(), 'validator.down', sample.networkId, address, {
        address,
        nodeId: validator?.nodeId ?? null,
        detail: validator?.detail ?? null,
      });
    }
  }

  #alertDeps() {
    return { stores: this.#deps.stores, clock: this.#deps.clock, logger: this.#deps.logger };
  }
}
