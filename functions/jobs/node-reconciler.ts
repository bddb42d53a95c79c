/**
 * The reconciler drives every node toward its desired state, one small idempotent step at a time, and compares
 * the provider's inventory with the table. Each step is a conditional transition (state + version), so a crash
 * or a second reconciler can at worst repeat a provider call, which every provider method tolerates.
 *
 * Run it as often as you like: locally in-process (on a timer and right after a change), in AWS from a schedule
 * and from the provisioning queue.
 */
import { backupHoldsNodeStopped } from '../../shared/domain/backup.ts';
import { TOO_FEW_PEERS } from '../../shared/domain/health.ts';
import type { Network } from '../../shared/domain/network.ts';
import type { NodeRecord, NodeRuntime } from '../../shared/domain/node.ts';
import { PlatformError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import type { InventoryItem, NodeDescription, NodeProvider } from '../../shared/ports/node-provider.ts';
import type { AuditRepository } from '../../shared/store/audit.repository.ts';
import type { BackupsRepository } from '../../shared/store/backups.repository.ts';
import type { NetworksRepository } from '../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../shared/store/nodes.repository.ts';
import { ConditionFailedError } from '../../shared/store/table.ts';
import type { NetworkPeering } from './network-peering.ts';

export interface ReconcilerDeps {
  readonly nodes: NodesRepository;
  readonly networks: NetworksRepository;
  readonly audit: AuditRepository;
  readonly providers: Partial<Record<NodeRuntime, NodeProvider>>;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** A node that has not come up this long after provisioning is marked failed. @default 10 minutes */
  readonly startTimeoutMs?: number;
  /**
   * Told when a node reports an enode (first, or a new one) and when its health says it has too few peers, so its
   * network's nodes get connected to it (EC2, where addresses are known only once instances run).
   */
  readonly peering?: Pick<NetworkPeering, 'nodeReported'>;
  /**
   * With it, a serving node found stopped is left alone while a backup holds it stopped (EC2: stopped over several
   * fleet passes until its snapshot); the backup starts it again itself.
   */
  readonly backups?: Pick<BackupsRepository, 'list'>;
}

export interface ReconcileReport {
  readonly examined: number;
  readonly changed: number;
  readonly failed: number;
  readonly orphansRemoved: number;
}

/** How many steps one node may take in one pass (requested → provisioning → starting → running is three). */
const MAX_STEPS_PER_PASS = 6;

export class NodeReconciler {
  private readonly startTimeoutMs: number;

  constructor(private readonly deps: ReconcilerDeps) {
    this.startTimeoutMs = deps.startTimeoutMs ?? 10 * 60_000;
  }

  /** One pass over the whole fleet, then an orphan sweep of every provider. */
  async reconcileAll(options: { concurrency?: number } = {}): Promise<ReconcileReport> {
    const fleet = await this.deps.nodes.listFleet();
    let changed = 0;
    let failed = 0;
    const queue = fleet.filter((node) => node.state !== 'terminated');
    const workers = Array.from({ length: Math.max(1, options.concurrency ?? 8) }, async () => {
      for (let node = queue.shift(); node; node = queue.shift()) {
        try {
          if (await this.reconcileNode(node)) changed++;
        } catch (error) {
          failed++;
          this.deps.logger.warn('reconcile step failed; it will be retried', { nodeId: node.id, error });
        }
      }
    });
    await Promise.all(workers);
    const orphansRemoved = await this.removeOrphans(fleet);
    return { examined: fleet.length, changed, failed, orphansRemoved };
  }

  /** Reads the node afresh and drives it as far as it can go now. */
  async reconcileById(orgId: string, nodeId: string): Promise<boolean> {
    const node = await this.deps.nodes.get(orgId, nodeId);
    return node && node.state !== 'terminated' ? this.reconcileNode(node) : false;
  }

  /**
   * Drives one node as far as it can go now. Returns whether anything changed.
   *
   * The record may be older or newer than the table's: fleet passes read it from an index, which lags behind the
   * table in DynamoDB and can be left ahead of it locally by a write a crash cut short. When a step finds the
   * record changed, the pass goes on once from a consistent read of the record itself, so a lagging index never
   * holds a node back (a node someone else is moving right now is simply seen in its newer state).
   */
  async reconcileNode(start: NodeRecord): Promise<boolean> {
    let node = start;
    let changed = false;
    let reread = false;
    for (let step = 0; step < MAX_STEPS_PER_PASS; step++) {
      let next: NodeRecord | undefined;
      try {
        next = await this.step(node);
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        if (reread) return changed; // moved again meanwhile: someone else is on it; the next pass sees it
        reread = true;
        const fresh = await this.deps.nodes.get(node.orgId, node.id);
        if (!fresh || fresh.state === 'terminated') return changed;
        node = fresh;
        continue;
      }
      if (!next) return changed;
      if (next.state !== node.state) await this.auditTransition(node, next);
      if (next.enode !== undefined && next.enode !== node.enode) await this.peer(next, node);
      changed = true;
      node = next;
    }
    return changed;
  }

  /** Connects a node and its network's other nodes; a failure is logged, never the step's. */
  private async peer(node: NodeRecord, previous: NodeRecord | undefined): Promise<void> {
    if (!this.deps.peering) return;
    try {
      await this.deps.peering.nodeReported(node, previous);
    } catch (error) {
      this.deps.logger.warn('peering failed; the next report retries', { nodeId: node.id, error });
    }
  }

  private provider(node: NodeRecord): NodeProvider {
    const provider = this.deps.providers[node.runtime];
    if (!provider) throw new PlatformError(`No provider for the ${node.runtime} runtime in this mode`);
    return provider;
  }

  private async network(node: NodeRecord): Promise<Network> {
    const network = await this.deps.networks.get(node.networkId);
    if (!network) throw new PlatformError(`Network ${node.networkId} of node ${node.id} does not exist`);
    return network;
  }

  /** One step toward the desired state; undefined when there is nothing to do now. */
  private async step(node: NodeRecord): Promise<NodeRecord | undefined> {
    const { nodes } = this.deps;
    if (node.desiredState === 'terminated') {
      if (node.state === 'terminated') return undefined;
      if (node.state !== 'deprovisioning') return nodes.transition(node, 'deprovisioning', { reason: undefined });
      await this.provider(node).deprovision(node);
      return nodes.transition(node, 'terminated', { endpoints: { rpcUrl: undefined, p2pPort: undefined } });
    }

    if (node.desiredState === 'stopped') {
      switch (node.state) {
        case 'starting':
        case 'syncing':
        case 'running':
        case 'degraded':
          return nodes.transition(node, 'stopping');
        case 'stopping':
          await this.provider(node).stop(node);
          return nodes.transition(node, 'stopped', { reason: undefined });
        case 'requested':
        case 'provisioning':
          // Never started: provision first so that a later start finds resources, then stop.
          break;
        default:
          return undefined;
      }
    }

    switch (node.state) {
      case 'requested':
        return nodes.transition(node, 'provisioning');
      case 'provisioning': {
        const network = await this.network(node);
        const { providerRef } = await this.provider(node).provision({
          node,
          network,
          clientToken: node.id,
          ...(node.restoredFrom && { restoreFrom: node.restoredFrom.artifact }),
        });
        return nodes.transition(node, 'starting', { providerRef });
      }
      case 'stopped':
        await this.provider(node).start(node);
        return nodes.transition(node, 'starting', { reason: undefined });
      case 'failed':
        // Failed nodes wait for the health monitor's recovery or for a person (start, delete); no retry loop here.
        return undefined;
      case 'starting':
      case 'syncing':
        return this.awaitRunning(node);
      case 'running':
      case 'degraded':
        // The health monitor found it short of peers (a restart lost the connections it was asked to keep).
        if (node.enode !== undefined && node.healthReason?.startsWith(TOO_FEW_PEERS)) {
          await this.peer(node, undefined);
        }
        return this.checkServing(node);
      default:
        return undefined;
    }
  }

  private async awaitRunning(node: NodeRecord): Promise<NodeRecord | undefined> {
    const description = await this.provider(node).describe(node);
    // A self-hosted node without a recorded RPC URL runs unmonitored; a managed node must show its endpoint.
    if (description.status === 'running' && (description.rpcUrl || node.hosting === 'self-hosted')) {
      return this.deps.nodes.transition(node, 'running', running(description));
    }
    if (description.status === 'failed' || description.status === 'missing' || description.status === 'terminated') {
      return this.deps.nodes.transition(node, 'failed', {
        reason: description.detail ?? `The node's resources are ${description.status}`,
      });
    }
    const waited = this.deps.clock().getTime() - Date.parse(node.stateChangedAt);
    if (waited > this.startTimeoutMs) {
      return this.deps.nodes.transition(node, 'failed', {
        reason: `The node did not start within ${Math.round(this.startTimeoutMs / 60_000)} minutes (last seen ${description.status})`,
      });
    }
    if (description.status === 'stopped') await this.provider(node).start(node);
    return undefined;
  }

  private async heldForBackup(node: NodeRecord): Promise<boolean> {
    const { backups } = this.deps;
    return backups !== undefined && backupHoldsNodeStopped(await backups.list(node.networkId, 20), node.id);
  }

  /** A node the table says serves: check its resources still exist; endpoints may have moved (a restart). */
  private async checkServing(node: NodeRecord): Promise<NodeRecord | undefined> {
    const description = await this.provider(node).describe(node);
    if (description.status === 'missing' || description.status === 'terminated') {
      return this.deps.nodes.transition(node, 'failed', {
        reason: description.detail ?? 'The node’s resources disappeared outside the control plane',
      });
    }
    if (description.status === 'stopped') {
      if (await this.heldForBackup(node)) return undefined;
      await this.provider(node).start(node);
      return this.deps.nodes.transition(node, 'starting', { reason: 'Restarting: the node had stopped' });
    }
    const fresh = running(description);
    if (
      description.status === 'running' &&
      (fresh.endpoints.rpcUrl !== node.endpoints.rpcUrl ||
        fresh.reason !== node.reason ||
        fresh.enode !== node.enode ||
        fresh.validatorAddress !== node.validatorAddress)
    ) {
      return this.deps.nodes.annotate(node, fresh);
    }
    return undefined;
  }

  /** Resources that no live record claims are removed; records whose resources vanished were failed above. */
  private async removeOrphans(fleet: readonly NodeRecord[]): Promise<number> {
    const live = new Map(fleet.filter((n) => n.state !== 'terminated').map((n) => [n.id, n]));
    let removed = 0;
    for (const provider of new Set(Object.values(this.deps.providers))) {
      if (!provider) continue;
      const inventory = await provider.inventory();
      for (const item of inventory) {
        if (item.nodeId && live.has(item.nodeId)) continue;
        if (item.status === 'terminated' || item.status === 'missing') continue;
        const record = item.nodeId ? fleet.find((n) => n.id === item.nodeId) : undefined;
        this.deps.logger.warn('removing orphan resource', {
          providerRef: item.providerRef,
          nodeId: item.nodeId,
          runtime: provider.runtime,
        });
        await provider.deprovision(record ?? orphanRecord(item));
        removed++;
      }
    }
    return removed;
  }

  private async auditTransition(before: NodeRecord, after: NodeRecord): Promise<void> {
    await this.deps.audit.append({
      orgId: after.orgId,
      at: this.deps.clock().toISOString(),
      actor: { type: 'system', id: 'reconciler' },
      action: `node.${after.state}`,
      target: after.id,
      requestId: undefined,
      details: { from: before.state, to: after.state, reason: after.reason },
    });
  }
}

/**
 * A stand-in record for a resource no record claims, carrying what providers identify resources by (node,
 * network and organisation ids, provider reference); providers need nothing else to remove one.
 */
function orphanRecord(item: InventoryItem): NodeRecord {
  const id = item.nodeId ?? item.providerRef;
  return {
    id,
    orgId: item.orgId ?? 'unknown',
    networkId: item.networkId ?? 'unknown',
    name: id,
    role: 'member',
    hosting: 'managed',
    size: 'small',
    region: 'unknown',
    runtime: 'anvil',
    state: 'running',
    desiredState: 'terminated',
    reason: 'orphan',
    endpoints: { rpcUrl: undefined, p2pPort: undefined },
    enode: undefined,
    validatorAddress: undefined,
    providerRef: item.providerRef,
    createdAt: '',
    updatedAt: '',
    stateChangedAt: '',
    version: 0,
  };
}

/** What a serving node's record holds; the runtime's standing remarks (a shared chain) belong to the view. */
function running(description: NodeDescription) {
  return {
    endpoints: { rpcUrl: description.rpcUrl, p2pPort: description.p2pPort },
    enode: description.enode,
    validatorAddress: description.validatorAddress,
    reason: description.sharedChain ? undefined : description.detail,
  };
}
