/**
 * Node records. Every lifecycle change is a conditional update guarded by the state it starts from and the
 * version read, so two reconcilers (or a reconciler and a user) can never both win. GSI1 lists a network's
 * nodes; sharded GSI2 lists the whole fleet for operators, the monitor and the reconciler without a Scan.
 *
 * A lifecycle change writes its `node.state_changed` event, and a new health verdict its `node.health_changed`, into
 * the node's outbox in the same write (docs/architecture.md, "Event streams").
 */
import { outboxFor, platformEvent } from '../domain/events.ts';
import { assertTransition, type DesiredState, isBilledState, type NodeRecord, type NodeState } from '../domain/node.ts';
import { ConflictError } from '../errors.ts';
import { gsi1, gsi2, keys, prefixes, shardOf } from './keys.ts';
import { ConditionFailedError, type Item, type ReadOptions, type Table } from './table.ts';
import { FLEET_SHARDS } from './table-schema.ts';

type NodeItem = Item & NodeRecord;
type IdempotencyItem = Item & { nodeId: string; requestHash: string; expiresAt: number };

const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

export class IdempotencyKeyReusedError extends ConflictError {}

export class NodesRepository {
  constructor(
    private readonly table: Table,
    private readonly clock: () => Date,
  ) {}

  async create(node: NodeRecord): Promise<NodeRecord> {
    await this.table.create<NodeItem>(this.toItem(node));
    return node;
  }

  /**
   * Claims an idempotency key for a node creation. Returns the node id to use: the new one, or the one the first
   * request with this key chose. The same key with a different request is refused.
   */
  async claimIdempotencyKey(orgId: string, key: string, requestHash: string, nodeId: string): Promise<string> {
    const itemKey = keys.idempotency(orgId, 'nodes', key);
    try {
      await this.table.create<IdempotencyItem>({
        ...itemKey,
        nodeId,
        requestHash,
        type: 'idempotency',
        expiresAt: Math.floor(this.clock().getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
      });
      return nodeId;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const existing = await this.table.get<IdempotencyItem>(itemKey);
      if (!existing) throw error;
      if (existing.requestHash !== requestHash) {
        throw new IdempotencyKeyReusedError('This Idempotency-Key was used for a different request');
      }
      return existing.nodeId;
    }
  }

  async get(orgId: string, nodeId: string): Promise<NodeRecord | undefined> {
    const item = await this.table.get<NodeItem>(keys.node(orgId, nodeId));
    return item ? toNode(item) : undefined;
  }

  /**
   * A node by its id alone (the gateway knows only the id in the URL): GSI2's shard is derived from the id, so this
   * is one query, then a consistent read of the record itself.
   */
  async findById(nodeId: string): Promise<NodeRecord | undefined> {
    const page = await this.table.query<NodeItem>(gsi2.nodes(shardOf(nodeId)), {
      index: 'gsi2',
      beginsWith: nodeId,
      limit: 1,
    });
    const hit = page.items[0];
    return hit?.id === nodeId ? this.get(hit.orgId, nodeId) : undefined;
  }

  /**
   * Moves the node-hours mark from `from` to `until`; false when another run moved it first. Unversioned, so it
   * never contends with lifecycle changes, but conditional on the mark, so two runs never meter the same time.
   */
  async markMetered(node: NodeRecord, from: string, until: string): Promise<boolean> {
    // Clearing the gaps it metered around must not drop one a transition added meanwhile: then the version guards.
    const clearsGaps = (node.unbilledGaps?.length ?? 0) > 0;
    try {
      await this.table.increment(
        keys.node(node.orgId, node.id),
        {},
        {
          set: { meteredUntil: until, ...(clearsGaps && { unbilledGaps: [] }) },
          condition: clearsGaps
            ? {
                expression: '#mark = :from AND #version = :version',
                values: { ':from': from, ':version': node.version },
                names: { '#mark': 'meteredUntil', '#version': 'version' },
              }
            : { expression: '#mark = :from', values: { ':from': from }, names: { '#mark': 'meteredUntil' } },
        },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  async listByOrg(orgId: string, options: ReadOptions = {}): Promise<NodeRecord[]> {
    const items = await (options.recent
      ? this.table.queryAllRecent<NodeItem>(`ORG#${orgId}`, prefixes.node)
      : this.table.queryAll<NodeItem>(`ORG#${orgId}`, { beginsWith: prefixes.node }));
    return items.map(toNode);
  }

  async listByNetwork(networkId: string): Promise<NodeRecord[]> {
    const items = await this.table.queryAll<NodeItem>(gsi1.nodesOfNetwork(networkId), { index: 'gsi1' });
    return items.map(toNode);
  }

  /** Every node of the fleet (all organisations), read shard by shard from GSI2. */
  async listFleet(): Promise<NodeRecord[]> {
    const shards = await Promise.all(
      Array.from({ length: FLEET_SHARDS }, (_, shard) =>
        this.table.queryAll<NodeItem>(gsi2.nodes(shard), { index: 'gsi2' }),
      ),
    );
    return shards.flat().map(toNode);
  }

  /**
   * Moves a node from the state it was read in to `to` (the lifecycle must allow it) and applies `changes`.
   * Fails with ConditionFailedError when someone else changed the node since it was read.
   */
  async transition(
    node: NodeRecord,
    to: NodeState,
    changes: Partial<Pick<NodeRecord, 'reason' | 'endpoints' | 'enode' | 'validatorAddress' | 'providerRef'>> = {},
  ): Promise<NodeRecord> {
    assertTransition(node.state, to);
    const at = this.clock();
    const now = at.toISOString();
    const remove = 'reason' in changes && changes.reason === undefined ? ['reason'] : [];
    const metering = billedTimeChanges(node, to, now);
    remove.push(...metering.remove);
    const updated = await this.table.update<NodeItem>(
      keys.node(node.orgId, node.id),
      node.version,
      { ...changes, state: to, updatedAt: now, stateChangedAt: now, ...metering.set },
      {
        remove,
        extraCondition: { expression: '#state = :from', values: { ':from': node.state }, names: { '#state': 'state' } },
        events: outboxFor([
          platformEvent('node.state_changed', node.orgId, at, {
            nodeId: node.id,
            networkId: node.networkId,
            state: to,
            previousState: node.state,
            desiredState: node.desiredState,
            reason: 'reason' in changes ? (changes.reason ?? null) : (node.reason ?? null),
          }),
        ]),
      },
    );
    return toNode(updated);
  }

  /**
   * Records facts about a node without changing its state (endpoints, enode, reason). Attributes named in `clear`
   * are removed (an attribute set to undefined in `changes` is left as it is).
   */
  async annotate(
    node: NodeRecord,
    changes: Partial<
      Pick<
        NodeRecord,
        | 'reason'
        | 'endpoints'
        | 'enode'
        | 'validatorAddress'
        | 'providerRef'
        | 'health'
        | 'healthReason'
        | 'healthChangedAt'
      >
    >,
    options: { clear?: readonly ('enode' | 'validatorAddress')[] } = {},
  ): Promise<NodeRecord> {
    const at = this.clock();
    const healthChanged = changes.health !== undefined && changes.health !== node.health;
    const updated = await this.table.update<NodeItem>(
      keys.node(node.orgId, node.id),
      node.version,
      { ...changes, updatedAt: at.toISOString() },
      {
        remove: options.clear ?? [],
        events: healthChanged
          ? outboxFor([
              platformEvent('node.health_changed', node.orgId, at, {
                nodeId: node.id,
                networkId: node.networkId,
                health: changes.health,
                previousHealth: node.health ?? null,
                reason: changes.healthReason ?? null,
              }),
            ])
          : [],
      },
    );
    return toNode(updated);
  }

  /**
   * Runs a person's change on the node as it is now, and again on a fresh read when the record changed between
   * the read and the write. The control plane's own background work (health, endpoints, lifecycle steps) updates
   * node records at any time; a person must not be told "changed by someone else" for a change they did not make.
   * `change` decides from the record it is given each time (and may refuse by throwing); after `attempts`
   * conflicts in a row the last one is reported.
   */
  async changeFresh<T>(
    orgId: string,
    nodeId: string,
    change: (current: NodeRecord | undefined) => Promise<T>,
    attempts = 5,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await change(await this.get(orgId, nodeId));
      } catch (error) {
        if (!(error instanceof ConditionFailedError) || attempt >= attempts) throw error;
      }
    }
  }

  async setDesiredState(
    node: NodeRecord,
    desiredState: DesiredState,
    options: { suspendedByBilling?: boolean } = {},
  ): Promise<NodeRecord> {
    const updated = await this.table.update<NodeItem>(
      keys.node(node.orgId, node.id),
      node.version,
      {
        desiredState,
        updatedAt: this.clock().toISOString(),
        suspendedByBilling: options.suspendedByBilling || undefined,
      },
      { remove: options.suspendedByBilling === false ? ['suspendedByBilling'] : [] },
    );
    return toNode(updated);
  }

  private toItem(node: NodeRecord): NodeItem {
    return {
      ...keys.node(node.orgId, node.id),
      ...node,
      type: 'node',
      gsi1pk: gsi1.nodesOfNetwork(node.networkId),
      gsi1sk: `NODE#${node.id}`,
      gsi2pk: gsi2.nodes(shardOf(node.id)),
      gsi2sk: node.id,
    };
  }
}

function toNode(item: NodeItem): NodeRecord {
  return {
    id: item.id,
    orgId: item.orgId,
    networkId: item.networkId,
    name: item.name,
    role: item.role,
    hosting: item.hosting,
    size: item.size,
    region: item.region,
    runtime: item.runtime,
    state: item.state,
    desiredState: item.desiredState,
    reason: item.reason,
    endpoints: item.endpoints ?? { rpcUrl: undefined, p2pPort: undefined },
    enode: item.enode,
    validatorAddress: item.validatorAddress,
    providerRef: item.providerRef,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    stateChangedAt: item.stateChangedAt,
    meteredUntil: item.meteredUntil,
    leftBilledAt: item.leftBilledAt,
    unbilledGaps: item.unbilledGaps?.length ? item.unbilledGaps : undefined,
    suspendedByBilling: item.suspendedByBilling,
    health: item.health,
    healthReason: item.healthReason,
    healthChangedAt: item.healthChangedAt,
    ...(item.restoredFrom && { restoredFrom: item.restoredFrom }),
    version: item.version,
  };
}

/**
 * What a transition changes in the node-hours bookkeeping. Entering a billed state starts the clock, unless the
 * job has not yet metered the node's previous billed stretch: then the mark stays and the unbilled time in between
 * becomes a gap. Leaving one records when, so the job charges exactly up to that moment whatever states follow.
 */
function billedTimeChanges(
  node: NodeRecord,
  to: NodeState,
  now: string,
): { set: Partial<Pick<NodeRecord, 'meteredUntil' | 'leftBilledAt' | 'unbilledGaps'>>; remove: string[] } {
  const wasBilled = isBilledState(node.state);
  const willBeBilled = isBilledState(to);
  if (wasBilled && !willBeBilled) return { set: { leftBilledAt: now }, remove: [] };
  if (!wasBilled && willBeBilled) {
    const unmetered = node.meteredUntil && node.leftBilledAt && node.meteredUntil < node.leftBilledAt;
    if (unmetered) {
      const gap = { from: node.leftBilledAt as string, to: now };
      return { set: { unbilledGaps: [...(node.unbilledGaps ?? []), gap] }, remove: ['leftBilledAt'] };
    }
    return { set: { meteredUntil: now }, remove: ['leftBilledAt', 'unbilledGaps'] };
  }
  return { set: {}, remove: [] };
}
