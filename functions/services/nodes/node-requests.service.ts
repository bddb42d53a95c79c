/**
 * What a member asks of its nodes: a new managed node (or a self-hosted one registered), start, stop, delete, and a
 * self-hosted node's endpoints. Only what is wanted is recorded (`desiredState`); the reconciler makes it so, told
 * at once through `nodeChanged`. A change is applied to the record as it is now and again on a fresh read when the
 * control plane's own background work wrote the record in between (`changeFresh`), so nobody is told "changed by
 * someone else" for a change they did not make. Every change is audited.
 */
import { createHash } from 'node:crypto';
import { newId } from '../../../shared/domain/ids.ts';
import type { Network } from '../../../shared/domain/network.ts';
import {
  type DesiredState,
  type NodeHosting,
  type NodeRecord,
  type NodeRole,
  type NodeRuntime,
  requestedNode,
} from '../../../shared/domain/node.ts';
import { BadRequestError, InvalidStateError, NotFoundError, ValidationError } from '../../../shared/errors.ts';
import { lazyOnce } from '../../../shared/lazy-once.ts';
import type { CreateNode, UpdateSelfHostedNode } from '../../../shared/schemas/network.schemas.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import { type AuditDeps, appendAudit, type ChangeAuthor } from '../audit/audit-trail.ts';

/** The Besu configuration writers, loaded with the first join bundle asked for. */
const loadBundleWriter = lazyOnce(() => import('../../../shared/chain/besu/join-bundle.ts'));

export interface NodeRequestDeps extends AuditDeps {
  readonly stores: AuditDeps['stores'] & { readonly nodes: NodesRepository; readonly networks: NetworksRepository };
  /** The runtime managed nodes get in this deployment: anvil (local), besu (local, when installed) or ec2. */
  readonly managedRuntime: Exclude<NodeRuntime, 'external'>;
  /** The runtime a managed node of this network gets, where it depends on the network. Absent: `managedRuntime`. */
  readonly managedRuntimeOf?: (network: Network) => Exclude<NodeRuntime, 'external'>;
  /** Refuses a new node the organisation may not have (billing state, plan limits); throws a named error. */
  readonly admission?: (orgId: string, hosting: NodeHosting, role: NodeRole) => Promise<void>;
  /** Told after a node's record changed, so the reconciler can act at once. */
  readonly nodeChanged?: (node: NodeRecord) => void;
}

/** A start, stop or delete, with the word its audit entry uses. */
export type NodeDesire = { readonly desired: DesiredState; readonly action: 'start' | 'stop' | 'delete' };

function existing(node: NodeRecord | undefined): NodeRecord {
  if (!node || node.state === 'terminated') throw new NotFoundError('No such node');
  return node;
}

export class NodeRequests {
  constructor(private readonly deps: NodeRequestDeps) {}

  async find(orgId: string, nodeId: string): Promise<NodeRecord> {
    return existing(await this.deps.stores.nodes.get(orgId, nodeId));
  }

  /** The organisation's nodes, deleted ones left out. */
  async list(orgId: string): Promise<NodeRecord[]> {
    return (await this.deps.stores.nodes.listByOrg(orgId)).filter((n) => n.state !== 'terminated');
  }

  /** Every node of the fleet for operators, failed nodes first, then degraded, oldest first within each. */
  async fleet(): Promise<NodeRecord[]> {
    const order = (n: NodeRecord) => (n.state === 'failed' ? 0 : n.state === 'degraded' ? 1 : 2);
    return (await this.deps.stores.nodes.listFleet())
      .filter((n) => n.state !== 'terminated')
      .sort((a, b) => order(a) - order(b) || a.createdAt.localeCompare(b.createdAt));
  }

  /**
   * A new node. With an idempotency key, a retry (even a concurrent one) answers with the node the first request
   * created.
   */
  async request(
    author: ChangeAuthor,
    orgId: string,
    body: CreateNode,
    idempotencyKey: string | undefined,
  ): Promise<NodeRecord> {
    const { stores } = this.deps;
    const network = await stores.networks.get(body.networkId);
    if (!network) throw new ValidationError('No such network', [{ path: 'body.networkId', message: 'unknown' }]);
    if (network.status !== 'active') throw new InvalidStateError(`Network ${network.name} accepts no new nodes`);
    if (body.hosting === 'managed' && (body.enode || body.rpcUrl)) {
      throw new ValidationError('enode and rpcUrl are for self-hosted nodes', [
        { path: 'body.hosting', message: 'managed nodes report their own endpoints' },
      ]);
    }
    await this.deps.admission?.(orgId, body.hosting, body.role);

    let nodeId = newId('node');
    if (idempotencyKey) {
      const requestHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
      nodeId = await stores.nodes.claimIdempotencyKey(orgId, idempotencyKey, requestHash, nodeId);
      const earlier = await stores.nodes.get(orgId, nodeId);
      if (earlier) return earlier;
    }
    const node = requestedNode(
      {
        id: nodeId,
        orgId,
        networkId: network.id,
        name: body.name ?? `${body.role}-${nodeId.slice(-6)}`,
        role: body.role,
        hosting: body.hosting,
        size: body.size,
        region: body.region,
        runtime:
          body.hosting === 'self-hosted'
            ? 'external'
            : (this.deps.managedRuntimeOf?.(network) ?? this.deps.managedRuntime),
        endpoints: { rpcUrl: body.rpcUrl, p2pPort: undefined },
        enode: body.enode,
      },
      this.deps.clock().toISOString(),
    );
    await stores.nodes.create(node).catch(async (error: unknown) => {
      // A concurrent retry with the same Idempotency-Key created it first: answer with that node.
      if (idempotencyKey && (await stores.nodes.get(orgId, nodeId))) return;
      throw error;
    });
    await appendAudit(this.deps, author.requestId, {
      orgId,
      actor: author.actor,
      action: 'node.requested',
      target: node.id,
      details: { networkId: node.networkId, role: node.role, hosting: node.hosting, size: node.size },
    });
    this.deps.nodeChanged?.(node);
    return (await stores.nodes.get(orgId, nodeId)) ?? node;
  }

  /** Start, stop or delete: records what is wanted (a failed node starting again goes to `starting` first). */
  async desire(author: ChangeAuthor, orgId: string, nodeId: string, { desired, action }: NodeDesire) {
    const { nodes } = this.deps.stores;
    const node = await nodes.changeFresh(orgId, nodeId, async (current) => {
      let node = existing(current);
      if (node.desiredState === 'terminated') throw new InvalidStateError('The node is being deleted');
      if (desired === 'running' && node.state === 'failed') {
        node = await nodes.transition(node, 'starting', { reason: 'Restart requested' });
      }
      return node.desiredState === desired ? node : nodes.setDesiredState(node, desired);
    });
    await appendAudit(this.deps, author.requestId, {
      orgId,
      actor: author.actor,
      action: `node.${action}-requested`,
      target: nodeId,
    });
    this.deps.nodeChanged?.(node);
    return node;
  }

  /** A self-hosted node's enode and the RPC URL to monitor; `null` clears a field. */
  async updateSelfHosted(author: ChangeAuthor, orgId: string, nodeId: string, body: UpdateSelfHostedNode) {
    const { nodes } = this.deps.stores;
    const updated = await nodes.changeFresh(orgId, nodeId, async (current) => {
      const node = existing(current);
      if (node.hosting !== 'self-hosted') {
        throw new BadRequestError('Managed nodes report their own enode and endpoints');
      }
      const enode = body.enode === undefined ? node.enode : (body.enode ?? undefined);
      return nodes.annotate(
        node,
        {
          enode,
          endpoints: {
            rpcUrl: body.rpcUrl === undefined ? node.endpoints.rpcUrl : (body.rpcUrl ?? undefined),
            p2pPort: node.endpoints.p2pPort,
          },
        },
        // Without an enode the node has no address either: governance must not name it by the old one.
        { clear: enode === undefined ? ['enode', 'validatorAddress'] : [] },
      );
    });
    await appendAudit(this.deps, author.requestId, {
      orgId,
      actor: author.actor,
      action: 'node.updated',
      target: nodeId,
      details: { enode: updated.enode, rpcUrl: updated.endpoints.rpcUrl },
    });
    this.deps.nodeChanged?.(updated);
    return updated;
  }

  /** Genesis, static nodes, Besu config and the start command of a self-hosted node. */
  async joinBundle(orgId: string, nodeId: string) {
    const node = await this.find(orgId, nodeId);
    const network = await this.deps.stores.networks.get(node.networkId);
    if (!network) throw new NotFoundError('The node’s network no longer exists');
    const { joinBundle } = await loadBundleWriter();
    return { network, node, bundle: joinBundle(network, node) };
  }
}
