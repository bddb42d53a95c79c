/**
 * NodeProvider for local mode on the Besu runtime (docs/architecture.md, "Two modes, one code path"): when a
 * `besu` binary is on PATH every node is its own Besu process under `<dataDir>/besu/<nodeId>/`, peering over
 * loopback with the network's other local nodes (real QBFT between them).
 *
 * The node's files come from the pure generators in shared/chain/besu/: genesis.json from the network, and before
 * each start config.toml (loopback RPC and P2P on free ports, ADMIN on) and static-nodes.json with the enodes the
 * network's genesis validators and other local nodes reported. Each node's key is made in its own data directory
 * before its first start (node-key.ts); the enode the node reports is checked against it.
 *
 * A network's chain runs here when the platform made its genesis validators' keys (`prepareGenesisValidators`
 * before the network is recorded, `hostNetwork` after): the platform runs them as Besu processes of its own
 * (besu-genesis-validators.ts), and every node of the network follows them.
 *
 * Fleet operations: a node is restarted on another Besu release (`upgrade`, releases from besu-releases.ts), backed
 * up as an archive of its data directory and restored into a new node (besu-data-archive.ts).
 *
 * Lifecycle: supervised (restart with backoff), re-adopted after a control-plane restart from the pid and port
 * files, stopped with SIGTERM then SIGKILL after a timeout. `close()` stops every node; `open()` brings them back.
 * Besu cannot be installed where this is tested: a stand-in executable proves the process handling, not Besu's
 * consensus. One provider per data directory at a time.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { genesisJson } from '../../chain/besu/genesis.ts';
import type { BackupArtifact } from '../../domain/backup-artifact.ts';
import type { BesuRelease } from '../../domain/besu-release.ts';
import type { Network } from '../../domain/network.ts';
import type { NodeRecord } from '../../domain/node.ts';
import { ConflictError, NotFoundError, PlatformError, ServiceUnavailableError, ValidationError } from '../../errors.ts';
import type {
  BackupStep,
  BackupStepRequest,
  InventoryItem,
  NodeDescription,
  NodeProvider,
  ProvisionSpec,
} from '../../ports/node-provider.ts';
import type { PlatformValidators } from '../../ports/platform-validators.ts';
import { archivePathOf, restoreDataDir } from './besu-data-archive.ts';
import { BesuGenesisValidators, type GenesisValidatorEndpoint } from './besu-genesis-validators.ts';
import { BesuNode, type BesuNodeEvent, type BesuNodeOptions } from './besu-node.ts';
import {
  assertGenesisOf,
  backupBesuNode,
  nodeUnavailable,
  restartOnRelease,
  runNode,
  setServing,
} from './besu-node-control.ts';
import { BesuNodeFiles, type BesuNodeRegistration, registeredNetwork } from './besu-node-files.ts';
import { describeNode, supervisedStatus } from './besu-node-status.ts';
import { LocalBesuReleases } from './besu-releases.ts';
import type { RestartPolicy } from './process-supervisor.ts';

export interface BesuNodeProviderOptions {
  /** Root of local mode's data; nodes live under `<dataDir>/besu/`. */
  readonly dataDir: string;
  /** Absolute path of the `besu` executable, usually from `findBesuOnPath()`. */
  readonly besuPath: string;
  /** How long a node may take to exit after SIGTERM before SIGKILL. @default 30_000 */
  readonly stopTimeoutMs?: number;
  /** How long a starting node may take to answer `eth_chainId` (JVM start, database open). @default 120_000 */
  readonly readyTimeoutMs?: number;
  /** Backoff and budget for restarting a crashed node. @default DEFAULT_RESTART_POLICY */
  readonly restartPolicy?: Partial<RestartPolicy>;
  /** How often a re-adopted node (not our child, so no exit event) is checked for life. @default 500 */
  readonly exitPollMs?: number;
  readonly onEvent?: (event: BesuNodeEvent) => void;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export class BesuNodeProvider implements NodeProvider {
  readonly runtime = 'besu' as const;
  readonly #nodesDir: string;
  readonly #options: BesuNodeProviderOptions;
  readonly #nodes = new Map<string, BesuNode>();
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #genesis: BesuGenesisValidators;
  readonly #backupsDir: string;
  /** Besu releases installed for rolling upgrades (`<dataDir>/besu-releases/`). */
  readonly releases: LocalBesuReleases;
  #closed = false;

  private constructor(options: BesuNodeProviderOptions) {
    this.#options = options;
    this.#nodesDir = join(resolve(options.dataDir), 'besu');
    this.#backupsDir = join(resolve(options.dataDir), 'backups');
    this.releases = new LocalBesuReleases(resolve(options.dataDir), options.besuPath);
    this.#genesis = new BesuGenesisValidators(resolve(options.dataDir), this.#nodeOptions(), (networkId, self) =>
      this.#peerEnodes(networkId, self),
    );
  }

  /**
   * Opens the provider on a data directory and brings back what a previous control plane left: serving nodes are
   * re-adopted when still alive and started otherwise; a process left for a node that should not serve is
   * stopped. A node that cannot start does not stop the others: it describes as `failed` with the reason.
   */
  static async open(options: BesuNodeProviderOptions): Promise<BesuNodeProvider> {
    const provider = new BesuNodeProvider(options);
    await mkdir(provider.#nodesDir, { recursive: true, mode: 0o700 });
    for (const entry of await readdir(provider.#nodesDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !SAFE_ID.test(entry.name)) continue;
      const files = new BesuNodeFiles(join(provider.#nodesDir, entry.name));
      const registration = await files.readRegistration();
      if (registration?.nodeId === entry.name) provider.#track(files, registration);
    }
    for (const node of provider.#nodes.values()) {
      await provider.#serialised(node.registration.networkId, async () => {
        if (!node.registration.serving) return node.stopLeftover();
        await node.resume().catch((error: Error) => {
          options.onEvent?.({ type: 'node-start-failed', nodeId: node.nodeId, detail: error.message });
        });
      });
    }
    return provider;
  }

  /**
   * Makes the node keys of a new network's genesis validators, which the platform will run (see
   * besu-genesis-validators.ts), and returns their addresses for the network's genesis. Create the network with
   * them, then call `hostNetwork`; if the network is not created after all, `discardGenesisValidators`.
   */
  async prepareGenesisValidators(networkId: string, count: number): Promise<string[]> {
    this.#assertOpen();
    assertSafeId(networkId, 'network');
    return this.#serialised(networkId, () => this.#genesis.prepare(networkId, count));
  }

  async discardGenesisValidators(networkId: string): Promise<void> {
    this.#assertOpen();
    assertSafeId(networkId, 'network');
    await this.#serialised(networkId, () => this.#genesis.discard(networkId));
  }

  /**
   * Starts (or re-adopts) the genesis validators of a network whose keys were made here, so its chain seals; true
   * then. False for a network whose genesis names validators held elsewhere: its chain does not run here.
   */
  async hostNetwork(network: Network): Promise<boolean> {
    this.#assertOpen();
    assertSafeId(network.id, 'network');
    return this.#serialised(network.id, () => this.#genesis.host(network));
  }

  /** Whether the network's chain runs here, on genesis validators of the platform's (after `hostNetwork`). */
  hostsChainOf(networkId: string): boolean {
    return this.#genesis.isHosted(networkId);
  }

  /** The network's genesis validators run here: addresses, RPC URLs (private, loopback) and liveness. */
  async genesisValidatorEndpoints(networkId: string): Promise<GenesisValidatorEndpoint[]> {
    this.#assertOpen();
    return this.#genesis.endpoints(networkId);
  }

  /** The enodes of the network's genesis validators run here: the bootnodes of the network for anyone joining. */
  async genesisValidatorEnodes(networkId: string): Promise<string[]> {
    this.#assertOpen();
    return this.#genesis.enodes(networkId);
  }

  /** The genesis validators as the fleet operations see them: listed, restarted together, upgraded one by one. */
  platformValidators(): PlatformValidators {
    return {
      list: (networkId) => this.genesisValidatorEndpoints(networkId),
      restart: (networkId, nodeIds) => this.#serialised(networkId, () => this.#genesis.restart(networkId, nodeIds)),
      upgrade: (networkId, nodeId, release, flags) =>
        this.#serialised(networkId, () => this.#genesis.upgrade(networkId, nodeId, release, flags)),
    };
  }

  /** The pid of a genesis validator's process while it runs (for tests and diagnostics). */
  genesisValidatorPid(networkId: string, index: number): number | undefined {
    return this.#genesis.pid(networkId, index);
  }

  /** The pid of a node's Besu process while it runs (for health checks and tests). */
  nodePid(nodeId: string): number | undefined {
    return this.#nodes.get(nodeId)?.pid;
  }

  async provision(spec: ProvisionSpec): Promise<{ readonly providerRef: string }> {
    const { node, network, clientToken } = spec;
    this.#assertOpen();
    assertBesuNode(node);
    assertSafeId(network.id, 'network');
    if (node.networkId !== network.id) {
      throw new ValidationError(`Node ${node.id} belongs to network ${node.networkId}, not ${network.id}`);
    }
    if (clientToken.length === 0 || clientToken.length > 128) {
      throw new ValidationError('The client token must have 1 to 128 characters');
    }
    return this.#serialised(network.id, async () => {
      const existing = this.#nodes.get(node.id);
      if (existing && existing.registration.orgId !== node.orgId) {
        throw new ConflictError(`Node ${node.id} is already provisioned for another organisation`);
      }
      const tokenOwner = [...this.#nodes.values()].find((other) => other.registration.clientToken === clientToken);
      if (tokenOwner && tokenOwner.nodeId !== node.id) {
        throw new ConflictError(`The client token was already used for node ${tokenOwner.nodeId}`);
      }
      const besuNode = existing ?? (await this.#create(spec));
      // A repeat after a crash half-way must still leave a serving node with a running process.
      if (besuNode.registration.serving) await runNode(besuNode);
      return { providerRef: providerRef(node.id) };
    });
  }

  async describe(node: NodeRecord): Promise<NodeDescription> {
    this.#assertOpen();
    const besuNode = this.#nodes.get(node.id);
    if (!besuNode) return { status: 'missing', sharedChain: false, detail: 'The node is not provisioned.' };
    return describeNode(besuNode);
  }

  async start(node: NodeRecord): Promise<void> {
    this.#assertOpen();
    await this.#serialised(node.networkId, async () => {
      const besuNode = this.#known(node);
      await setServing(besuNode, true);
      await runNode(besuNode);
    });
  }

  async stop(node: NodeRecord): Promise<void> {
    this.#assertOpen();
    await this.#serialised(node.networkId, async () => {
      const besuNode = this.#known(node);
      await setServing(besuNode, false);
      await besuNode.stop();
    });
  }

  /** The node's process is its own, so a restart interrupts nobody else: always a fresh process and budget. */
  async restart(node: NodeRecord): Promise<void> {
    this.#assertOpen();
    await this.#serialised(node.networkId, async () => {
      const besuNode = this.#known(node);
      await setServing(besuNode, true);
      try {
        await besuNode.restart();
      } catch (error) {
        throw nodeUnavailable(besuNode, error);
      }
    });
  }

  /** Restarts the node on `release` (installed from its tarball on first use) with `flags`. */
  async upgrade(node: NodeRecord, release: BesuRelease | undefined, flags: readonly string[]): Promise<void> {
    this.#assertOpen();
    await this.#serialised(node.networkId, () => restartOnRelease(this.#known(node), release, flags));
  }

  /** Stops the node, archives its data directory without the key, and starts it again: one step, in seconds. */
  async backup(node: NodeRecord, { backupId }: BackupStepRequest): Promise<BackupStep> {
    this.#assertOpen();
    assertSafeId(backupId, 'backup');
    const made = await this.#serialised(node.networkId, () =>
      backupBesuNode(this.#known(node), archivePathOf(this.#backupsDir, node.networkId, backupId)),
    );
    return { state: 'completed', backup: made };
  }

  async deleteBackup(artifact: BackupArtifact): Promise<void> {
    const path = resolve(artifact.ref);
    if (artifact.kind !== 'archive' || !path.startsWith(`${this.#backupsDir}/`)) {
      throw new ValidationError('The backup does not name an archive of this installation');
    }
    await rm(path, { force: true });
  }

  /** Stops the node and removes its directory, database and node key included. */
  async deprovision(node: NodeRecord): Promise<void> {
    this.#assertOpen();
    assertSafeId(node.id, 'node');
    await this.#serialised(node.networkId, async () => {
      const besuNode = this.#nodes.get(node.id);
      if (besuNode) {
        await besuNode.stop();
        this.#nodes.delete(node.id);
      }
      await new BesuNodeFiles(join(this.#nodesDir, node.id)).remove();
    });
  }

  /** Every node directory; one without a readable registration is listed without labels (an orphan). */
  async inventory(): Promise<readonly InventoryItem[]> {
    this.#assertOpen();
    const items: InventoryItem[] = [];
    for (const entry of await readdir(this.#nodesDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const besuNode = this.#nodes.get(entry.name);
      if (!besuNode) {
        items.push({ providerRef: providerRef(entry.name), status: 'stopped' });
        continue;
      }
      const { nodeId, networkId, orgId } = besuNode.registration;
      items.push({ providerRef: providerRef(nodeId), nodeId, networkId, orgId, status: supervisedStatus(besuNode) });
    }
    return items;
  }

  /** Stops every node's process and supervision, the genesis validators' last. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const results = await Promise.allSettled(
      [...this.#nodes.values()].map((node) => this.#serialised(node.registration.networkId, () => node.stop())),
    );
    results.push(...(await Promise.allSettled([this.#genesis.close()])));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw new PlatformError('Some Besu nodes did not stop cleanly', { cause: failure.reason });
  }

  /** genesis.json first, node.json last: a node is provisioned once its registration exists. */
  async #create(spec: ProvisionSpec): Promise<BesuNode> {
    const { node, network, clientToken } = spec;
    const genesis = spec.artifacts?.genesisJson ?? genesisJson(network);
    assertGenesisOf(network, genesis);
    const files = new BesuNodeFiles(join(this.#nodesDir, node.id));
    await files.ensureDir();
    await files.write(files.genesisPath, genesis);
    if (spec.restoreFrom) {
      if (spec.restoreFrom.kind !== 'archive') throw new ValidationError('Local Besu nodes restore from archives');
      await restoreDataDir(spec.restoreFrom.ref, files.dataPath, this.#backupsDir);
    }
    const registration: BesuNodeRegistration = {
      nodeId: node.id,
      orgId: node.orgId,
      networkId: network.id,
      clientToken,
      serving: true,
      registeredAt: new Date().toISOString(),
      network: registeredNetwork(network),
      node: { id: node.id, name: node.name, networkId: node.networkId, role: node.role },
    };
    await files.writeRegistration(registration);
    return this.#track(files, registration);
  }

  #nodeOptions(): BesuNodeOptions {
    const options = this.#options;
    return {
      executable: (release) => this.releases.executable(release),
      readyTimeoutMs: options.readyTimeoutMs ?? 120_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 30_000,
      ...(options.restartPolicy && { restartPolicy: options.restartPolicy }),
      ...(options.exitPollMs !== undefined && { exitPollMs: options.exitPollMs }),
      onEvent: options.onEvent ?? (() => {}),
    };
  }

  #track(files: BesuNodeFiles, registration: BesuNodeRegistration): BesuNode {
    const besuNode = new BesuNode(
      files,
      registration,
      () => this.#peerEnodes(registration.networkId, registration.nodeId),
      this.#nodeOptions(),
    );
    this.#nodes.set(registration.nodeId, besuNode);
    return besuNode;
  }

  /** The enodes the network's genesis validators and other local nodes last reported about themselves. */
  async #peerEnodes(networkId: string, selfNodeId: string): Promise<string[]> {
    const enodes = await this.#genesis.enodes(networkId, selfNodeId);
    for (const other of this.#nodes.values()) {
      if (other.nodeId === selfNodeId || other.registration.networkId !== networkId) continue;
      const enode = await other.files.readEnode();
      if (enode) enodes.push(enode);
    }
    return enodes;
  }

  #known(node: NodeRecord): BesuNode {
    const besuNode = this.#nodes.get(node.id);
    if (!besuNode) throw new NotFoundError(`Node ${node.id} is not provisioned`);
    return besuNode;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ServiceUnavailableError('The Besu node provider is closed');
  }

  /** Operations on one network run one at a time, so a starting node sees its peers' recorded enodes. */
  #serialised<T>(networkId: string, operation: () => Promise<T>): Promise<T> {
    const result = (this.#locks.get(networkId) ?? Promise.resolve()).then(operation);
    this.#locks.set(
      networkId,
      result.catch(() => {}),
    );
    return result;
  }
}

function providerRef(nodeId: string): string {
  return `besu:${nodeId}`;
}

function assertSafeId(id: string, what: string): void {
  if (!SAFE_ID.test(id)) throw new ValidationError(`The ${what} id ${JSON.stringify(id)} is not valid`);
}

function assertBesuNode(node: NodeRecord): void {
  assertSafeId(node.id, 'node');
  if (node.runtime !== 'besu') {
    throw new ValidationError(`Node ${node.id} runs on ${node.runtime}; this provider runs Besu nodes`);
  }
}
