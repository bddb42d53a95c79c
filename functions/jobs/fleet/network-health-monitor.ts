/**
 * The network-health monitor (docs/architecture.md, "Fleet operations"): each pass looks at every active network
 * through the nodes the platform runs on it (network-observer.ts), judges the look (shared/domain/network-health.ts),
 * records it as the network's health sample, and carries incidents: opens one when the network stops sealing,
 * writes down what is seen and done, has the validators restarted together when a stall with a quorum live is due
 * for it (shared/domain/network-incident.ts), and closes it at the first block. Alerts (network stalled or
 * recovered, validator down) are events of the network's member organisations, written with the incident or the
 * sample that raises them, and audit entries of the platform and of those organisations.
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
import { type RaisedAlert, raiseAlerts } from '../../services/fleet/fleet-alerts.ts';
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
    await raiseAlerts(this.#alertDeps(), network.id, validatorsDown(sample, previous), (events) =>
      stores.networkHealth.putSample(sample, events),
    );
    return { sample, restarted: await this.#carryIncident(network, sample) };
  }

  async #carryIncident(network: Network, sample: NetworkHealthSample): Promise<boolean> {
    const health = this.#deps.stores.networkHealth;
    const open = await health.openIncident(network.id);
    const step = nextIncidentStep(sample, open, () => newId('incident'), this.#recoveryPolicy);
    if (step.kind === 'none') return false;
    const alerts: RaisedAlert[] = [];
    if (step.kind === 'record' && step.resolved) {
      alerts.push({
        alert: 'network.recovered',
        target: network.id,
        details: {
          incidentId: step.incident.id,
          headBlock: sample.headBlock ?? null,
          stalledSince: step.incident.openedAt,
        },
      });
    }
    if (step.opened) {
      alerts.push({
        alert: 'network.stalled',
        target: network.id,
        details: {
          incidentId: step.incident.id,
          state: sample.state,
          reason: sample.reason,
          validatorsDown: sample.validatorsDown,
        },
      });
    }
    const saved = await raiseAlerts(this.#alertDeps(), network.id, alerts, (events) =>
      open ? health.updateIncident(open, step.incident, events) : health.createIncident(step.incident, events),
    );
    if (step.kind !== 'restart') return false;
    const { result } = await this.#recovery.restartValidators(network, saved);
    this.#deps.logger.info('validators restarted together', { networkId: network.id, ...result });
    return true;
  }

  #alertDeps() {
    return { stores: this.#deps.stores, clock: this.#deps.clock, logger: this.#deps.logger };
  }
}

/** One alert per validator that went down since the previous look. */
function validatorsDown(sample: NetworkHealthSample, previous: NetworkHealthSample | undefined): RaisedAlert[] {
  const before = new Set(previous?.validatorsDown ?? []);
  return sample.validatorsDown
    .filter((address) => !before.has(address))
    .map((address) => {
      const validator = sample.validators.find((v) => v.address === address);
      return {
        alert: 'validator.down',
        target: address,
        details: { address, nodeId: validator?.nodeId ?? null, detail: validator?.detail ?? null },
      };
    });
}
