/**
 * NodeProvider: how the control plane makes a node's resources exist, run, stop and go away (docs/architecture.md,
 * "Two modes, one code path" and "Node lifecycle"). One adapter per runtime: shared anvil chains on a laptop, EC2 instances running Besu in AWS.
 *
 * The reconciler is the main caller: it reads the table, asks `describe` what really exists, and calls the
 * mutating methods to close the gap. Every mutating method is therefore idempotent: calling it again after a
 * success, or after a crash half-way through, converges to the same result and never creates a second resource.
 */
import type { BackupProgress } from '../domain/backup.ts';
import type { BackupArtifact } from '../domain/backup-artifact.ts';
import type { BesuRelease } from '../domain/besu-release.ts';
import type { Network } from '../domain/network.ts';
import type { NodeRecord, NodeRuntime } from '../domain/node.ts';

/** What the provider sees of a node's resources, independent of the node's lifecycle state in the table. */
export type ProviderNodeStatus =
  | 'pending'
  | 'running'
  | 'stopping'
  | 'stopped'
  | 'terminating'
  | 'terminated'
  /** The provider gave up restarting the node's process; `detail` says why. `start`/`restart` try again. */
  | 'failed'
  /** Nothing exists for this node (never provisioned, or removed outside the control plane). */
  | 'missing';

/** Files rendered by the Besu configuration generators; runtimes that run Besu need them, anvil does not. */
export interface NodeArtifacts {
  readonly genesisJson: string;
  readonly besuConfigToml: string;
  /** JSON array of enode URLs, when the network pins its peers. */
  readonly staticNodesJson?: string;
}

export interface ProvisionSpec {
  readonly node: NodeRecord;
  readonly network: Network;
  /**
   * Idempotency key chosen by the caller: the same node and token always name the same resources. A replacement
   * of a node's resources (after they were terminated) uses a new token.
   */
  readonly clientToken: string;
  readonly artifacts?: NodeArtifacts;
  /** A backup of another node of the network whose chain data the new node starts from (never its key). */
  readonly restoreFrom?: BackupArtifact;
}

/** A backup a provider made of a node's chain data. */
export interface NodeBackup extends BackupArtifact {
  /** The node's head when it was stopped for the backup. */
  readonly blockNumber?: number;
  /** An archive of the data directory made beside a snapshot (EC2): what member copies are made from. */
  readonly archive?: BackupArtifact;
}

/** One step of a backup: the first (no `progress`) or the one resuming where the last pass left it. */
export interface BackupStepRequest {
  readonly backupId: string;
  /** What the previous step returned; absent on the first step. */
  readonly progress?: BackupProgress;
  /** The runner's clock: phase deadlines are measured against it. */
  readonly now: Date;
}

/**
 * What a step came to: the backup made, the backup still under way (the next pass resumes from `progress`), or a
 * failure the runtime decided (the node already serves again). A step that throws is retried by the next pass while
 * its phase's deadline allows.
 */
export type BackupStep =
  | { readonly state: 'completed'; readonly backup: NodeBackup }
  | { readonly state: 'running'; readonly progress: BackupProgress }
  | { readonly state: 'failed'; readonly reason: string };

export interface NodeDescription {
  readonly status: ProviderNodeStatus;
  /** Private JSON-RPC URL; present only while the node serves. Never handed to tenants directly. */
  readonly rpcUrl?: string;
  readonly p2pPort?: number;
  /** Only when the runtime can report one; never invented. */
  readonly enode?: string;
  /** The node key's address (a QBFT validator's identity), as the node itself reports it; never invented. */
  readonly validatorAddress?: string;
  /** True when the node is an endpoint of a chain process shared by the whole network (anvil runtime). */
  readonly sharedChain: boolean;
  /** Words an operator or member can act on: why it failed, what a shared chain means, ... */
  readonly detail?: string;
}

export interface InventoryItem {
  readonly providerRef: string;
  /** From the resource's own labels; absent when a resource carries none (an orphan by definition). */
  readonly nodeId?: string;
  readonly networkId?: string;
  readonly orgId?: string;
  readonly status: ProviderNodeStatus;
}

export interface NodeProvider {
  readonly runtime: NodeRuntime;

  /**
   * Creates the node's resources and starts them. Idempotent on the node id and `clientToken`: a repeated call
   * returns the same `providerRef` and creates nothing new.
   */
  provision(spec: ProvisionSpec): Promise<{ readonly providerRef: string }>;

  /** Reads what exists now. Never mutates; a node the provider does not know is `missing`, not an error. */
  describe(node: NodeRecord): Promise<NodeDescription>;

  /** Makes the node serve. Idempotent: a running node stays as it is. */
  start(node: NodeRecord): Promise<void>;

  /** Makes the node stop serving, keeping its data. Idempotent: a stopped node stays as it is. */
  stop(node: NodeRecord): Promise<void>;

  /** Recovers a node that misbehaves (used by the health monitor). Safe to repeat. */
  restart(node: NodeRecord): Promise<void>;

  /**
   * Optional, for runtimes whose resources can be rebuilt (EC2): creates fresh resources for the node and removes
   * its old ones (`node.providerRef`), the health monitor's last step after restarts failed. Idempotent per
   * replacement attempt: `clientToken` is distinct for each attempt (e.g. `${node.id}-r${attempt}`), and a repeated
   * call with the same token returns the same new `providerRef`. Runtimes without it are only restarted.
   */
  replace?(node: NodeRecord, network: Network, clientToken: string): Promise<{ readonly providerRef: string }>;

  /**
   * Optional, for runtimes that can switch a node's Besu release (local Besu, EC2): restarts the node on `release`
   * (undefined: the release the fleet installs by default), with `flags` added to its command line. Safe to repeat.
   */
  upgrade?(node: NodeRecord, release: BesuRelease | undefined, flags: readonly string[]): Promise<void>;

  /**
   * Optional, for runtimes that keep a node's chain data apart (local Besu, EC2): stops the node, copies its chain
   * data (never its key) under `backupId`, and starts it again, in short steps that never wait for long (the
   * scheduled pass calling it has a deadline). A runtime may finish in one step (local Besu) or return the progress
   * the next step resumes from (EC2). Idempotent per step: a step repeated after a crash makes nothing twice.
   */
  backup?(node: NodeRecord, step: BackupStepRequest): Promise<BackupStep>;

  /** Removes a backup `backup` made. Idempotent. */
  deleteBackup?(artifact: BackupArtifact): Promise<void>;

  /** Removes the node's resources. Idempotent: removing what is already gone succeeds. */
  deprovision(node: NodeRecord): Promise<void>;

  /**
   * Every resource the provider manages, so the reconciler can find orphans (resources without a record) and
   * records without resources. Fails as a whole rather than returning a partial list.
   */
  inventory(): Promise<readonly InventoryItem[]>;

  /** Releases what the provider holds in this process. Idempotent. */
  close(): Promise<void>;
}
