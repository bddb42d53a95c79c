/**
 * Nodes and their lifecycle (docs/architecture.md, "Node lifecycle") as an explicit state machine: every state change goes
 * through `assertTransition`, and the store guards it with the current state and version.
 */
import { InvalidStateError } from '../errors.ts';
import type { BackupArtifact } from './backup-artifact.ts';

export const NODE_STATES = [
  'requested',
  'provisioning',
  'starting',
  'syncing',
  'running',
  'degraded',
  'stopping',
  'stopped',
  'deprovisioning',
  'terminated',
  'failed',
] as const;
export type NodeState = (typeof NODE_STATES)[number];

export const NODE_ROLES = ['validator', 'member'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

export const NODE_HOSTINGS = ['managed', 'self-hosted'] as const;
export type NodeHosting = (typeof NODE_HOSTINGS)[number];

export const NODE_SIZES = ['small', 'medium', 'large'] as const;
export type NodeSize = (typeof NODE_SIZES)[number];

/** Where a node's process runs: a shared anvil chain (local), its own Besu process (local) or EC2. */
export const NODE_RUNTIMES = ['anvil', 'besu', 'ec2', 'external'] as const;
export type NodeRuntime = (typeof NODE_RUNTIMES)[number];

/** What the health monitor last concluded about a serving node (docs/architecture.md, "Health, recovery and SLA"). */
export type NodeHealth = 'healthy' | 'degraded' | 'unhealthy';

/** What the owner wants; the reconciler drives the actual state toward it. */
export const DESIRED_STATES = ['running', 'stopped', 'terminated'] as const;
export type DesiredState = (typeof DESIRED_STATES)[number];

const TRANSITIONS: Readonly<Record<NodeState, readonly NodeState[]>> = {
  requested: ['provisioning', 'deprovisioning'],
  provisioning: ['starting', 'deprovisioning'],
  starting: ['syncing', 'running', 'stopping', 'deprovisioning'],
  syncing: ['running', 'degraded', 'stopping', 'deprovisioning'],
  running: ['degraded', 'stopping', 'deprovisioning', 'starting'],
  degraded: ['running', 'stopping', 'deprovisioning', 'starting'],
  stopping: ['stopped', 'deprovisioning'],
  stopped: ['starting', 'deprovisioning'],
  deprovisioning: ['terminated'],
  terminated: [],
  failed: ['deprovisioning', 'starting'],
};

export function canTransition(from: NodeState, to: NodeState): boolean {
  if (to === 'failed') return from !== 'terminated' && from !== 'failed';
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: NodeState, to: NodeState): void {
  if (!canTransition(from, to)) {
    throw new InvalidStateError(`A node cannot go from ${from} to ${to}`);
  }
}

/** States in which the node's resources exist and are expected to serve. */
export function isServing(state: NodeState): boolean {
  return state === 'running' || state === 'degraded' || state === 'syncing';
}

/** States in which a managed node's compute is allocated, and so billed as node-hours. */
export function isBilledState(state: NodeState): boolean {
  return (
    state === 'starting' || state === 'syncing' || state === 'running' || state === 'degraded' || state === 'stopping'
  );
}

/**
 * The platform runs this node and made its endpoint: the only kind of node the control plane sends its own work
 * to (governance, deployments, signed transactions, peering). A self-hosted node's URL is its owner's input: it
 * may name any server, so the platform only probes it, as untrusted, for its owner's health view.
 */
export function isPlatformRun(node: Pick<NodeRecord, 'hosting' | 'runtime'>): boolean {
  return node.hosting === 'managed' && node.runtime !== 'external';
}

/** What may be known about a node key outside its node: never the private key. */
export interface NodeKeyIdentity {
  /** The 64-byte uncompressed public key without its 0x04 prefix, 128 lower-case hex characters (the enode id). */
  readonly nodeId: string;
  /** The node address (checksummed): the last 20 bytes of the Keccak-256 of the public key; a validator's id. */
  readonly address: string;
}

export interface NodeEndpoints {
  /** Private JSON-RPC URL the control plane and the gateway use; never handed to tenants directly. */
  readonly rpcUrl: string | undefined;
  readonly p2pPort: number | undefined;
}

export interface NodeRecord {
  readonly id: string;
  readonly orgId: string;
  readonly networkId: string;
  readonly name: string;
  readonly role: NodeRole;
  readonly hosting: NodeHosting;
  readonly size: NodeSize;
  readonly region: string;
  readonly runtime: NodeRuntime;
  readonly state: NodeState;
  readonly desiredState: DesiredState;
  /** Why the node is in its state, in words a user can act on (failures, shared chain process, ...). */
  readonly reason: string | undefined;
  readonly endpoints: NodeEndpoints;
  /** From the node itself (Besu `admin_nodeInfo`) or recorded by a self-hosted member; never invented. */
  readonly enode: string | undefined;
  readonly validatorAddress: string | undefined;
  /** Provider handle: EC2 instance id, local process key. */
  readonly providerRef: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly stateChangedAt: string;
  /** Stopped because billing suspended the organisation; started again when it pays. */
  readonly suspendedByBilling?: boolean;
  /** Billed time (node-hours) is metered up to this instant; set when the node enters a billed state. */
  readonly meteredUntil?: string;
  /** When the node last left the billed states (its billed time ends there until it enters them again). */
  readonly leftBilledAt?: string;
  /**
   * Unbilled stretches after `meteredUntil`: a node that left the billed states and came back before the node-hours
   * job metered it keeps its mark, and the time in between is skipped rather than lost or charged.
   */
  readonly unbilledGaps?: readonly { readonly from: string; readonly to: string }[];
  /** Set by the health monitor; absent until the node's first probe. */
  readonly health?: NodeHealth;
  readonly healthReason?: string;
  readonly healthChangedAt?: string;
  /** The backup whose chain data the node started from (a restore); its key is its own. */
  readonly restoredFrom?: { readonly backupId: string; readonly artifact: BackupArtifact };
  readonly version: number;
}

/** A node as it is first recorded: requested, to run, nothing known yet about its resources or endpoints. */
export function requestedNode(
  fields: Pick<NodeRecord, 'id' | 'orgId' | 'networkId' | 'name' | 'role' | 'hosting' | 'size' | 'region' | 'runtime'> &
    Partial<Pick<NodeRecord, 'endpoints' | 'enode' | 'restoredFrom'>>,
  now: string,
): NodeRecord {
  return {
    state: 'requested',
    desiredState: 'running',
    reason: undefined,
    endpoints: { rpcUrl: undefined, p2pPort: undefined },
    enode: undefined,
    validatorAddress: undefined,
    providerRef: undefined,
    ...fields,
    createdAt: now,
    updatedAt: now,
    stateChangedAt: now,
    version: 1,
  };
}
