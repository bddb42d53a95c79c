/**
 * NodeProvider for local mode on the anvil runtime. Each network runs on one real anvil process (its chain) under
 * `<dataDir>/chains/<networkId>/`; a node is an endpoint of that chain, not a separate consensus participant, and
 * every description says so. anvil has no devp2p identity, so no enode is ever reported.
 *
 * Lifecycle of a chain: started when a node of its network is provisioned or started; restarted from its state
 * when it dies; stopped (SIGTERM, state written) when the last node of the network stops or is deprovisioned, and
 * on `close()`. `close()` stops every chain so no anvil outlives a clean shutdown; the nodes keep their serving
 * flag, so `open()` brings their chains back. After a kill -9 of the control plane, `open()` re-adopts chains that
 * are still alive (same pid) and restarts the others from their saved state.
 *
 * One provider per data directory at a time.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { NodeRecord } from '../../domain/node.ts';
import { ConflictError, NotFoundError, PlatformError, ServiceUnavailableError, ValidationError } from '../../errors.ts';
import type {
  InventoryItem,
  NodeDescription,
  NodeProvider,
  ProviderNodeStatus,
  ProvisionSpec,
} from '../../ports/node-provider.ts';
import { AnvilChain, type ChainEvent } from './anvil-chain.ts';
import { type AnvilChainConfig, AnvilChainFiles } from './anvil-chain-files.ts';
import { allocFromGenesisJson, allocFromNetwork } from './anvil-genesis-alloc.ts';
import { resolveAnvilBinary } from './anvil-launcher.ts';
import { LocalNodeRegistry, type RegisteredNode } from './local-node-registry.ts';
import type { RestartPolicy } from './process-supervisor.ts';

export interface LocalNodeProviderOptions {
  /** Root of local mode's data; chains live under `<dataDir>/chains/`. */
  readonly dataDir: string;
  /** @default the binary of the installed `@foundry-rs/anvil` platform package */
  readonly anvilPath?: string;
  /** Seconds between anvil's state dumps: what a kill -9 of a chain can lose. @default 5 */
  readonly stateIntervalSeconds?: number;
  /** How often the last loadable state is copied aside (anvil rewrites its state file in place). @default 300_000 */
  readonly stateSnapshotIntervalMs?: number;
  /** How long a chain may take to write its state and exit after SIGTERM before SIGKILL. @default 15_000 */
  readonly stopTimeoutMs?: number;
  /** How long a starting chain may take to answer. @default 10_000 */
  readonly readyTimeoutMs?: number;
  /** Unlocked, pre-funded dev accounts in new chains; consortium chains are free-gas and need none. @default 0 */
  readonly devAccounts?: number;
  /** Backoff and budget for restarting a crashed chain. @default DEFAULT_RESTART_POLICY */
  readonly restartPolicy?: Partial<RestartPolicy>;
  /** How often a re-adopted chain (not our child, so no exit event) is checked for life. @default 500 */
  readonly exitPollMs?: number;
  readonly onEvent?: (event: ChainEvent) => void;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

const SHARED_CHAIN_DETAIL =
  'An endpoint of its network’s single anvil chain: every node of the network shares that process and its state, ' +
  'a node is not a separate consensus participant, and anvil has no enode. Multi-validator QBFT needs the Besu runtime.';

interface NetworkEntry {
  readonly chain: AnvilChain;
  readonly nodes: LocalNodeRegistry;
}

export class LocalNodeProvider implements NodeProvider {
  readonly runtime = 'anvil' as const;
  readonly #chainsDir: string;
  readonly #options: LocalNodeProviderOptions;
  readonly #anvilPath: string;
  readonly #networks = new Map<string, NetworkEntry>();
  readonly #locks = new Map<string, Promise<unknown>>();
  #closed = false;

  private constructor(options: LocalNodeProviderOptions) {
    this.#options = options;
    this.#chainsDir = join(resolve(options.dataDir), 'chains');
    this.#anvilPath = options.anvilPath ?? resolveAnvilBinary();
  }

  /**
   * Opens the provider on a data directory and brings back what a previous control plane left: chains with a
   * serving node are re-adopted or restarted; chains without one are stopped if a process of theirs survived.
   * A chain that cannot start does not stop the others: its nodes describe as `failed` with the reason.
   */
  static async open(options: LocalNodeProviderOptions): Promise<LocalNodeProvider> {
    const provider = new LocalNodeProvider(options);
    await new AnvilChainFiles(provider.#chainsDir).ensureDir();
    for (const entry of await readdir(provider.#chainsDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !SAFE_ID.test(entry.name)) continue;
      const network = await provider.#load(entry.name);
      if (!network) continue;
      await provider.#serialised(entry.name, async () => {
        if (network.nodes.servingCount === 0) return network.chain.stopLeftover();
        await network.chain.resume().catch((error: Error) => {
          options.onEvent?.({ type: 'chain-start-failed', networkId: entry.name, detail: error.message });
        });
      });
    }
    return provider;
  }

  /** The pid of a network's chain process while it runs (for health checks and tests). */
  chainPid(networkId: string): number | undefined {
    return this.#networks.get(networkId)?.chain.pid;
  }

  async provision(spec: ProvisionSpec): Promise<{ readonly providerRef: string }> {
    const { node, network, clientToken } = spec;
    this.#assertOpen();
    this.#assertAnvilNode(node);
    if (node.networkId !== network.id) {
      throw new ValidationError(`Node ${node.id} belongs to network ${node.networkId}, not ${network.id}`);
    }
    if (clientToken.length === 0 || clientToken.length > 128) {
      throw new ValidationError('The client token must have 1 to 128 characters');
    }
    return this.#serialised(network.id, async () => {
      const config: AnvilChainConfig = {
        networkId: network.id,
        chainId: network.chainId,
        blockPeriodSeconds: network.blockPeriodSeconds,
        alloc: spec.artifacts ? allocFromGenesisJson(spec.artifacts.genesisJson) : allocFromNetwork(network),
      };
      const entry = await this.#networkFor(config);
      const existing = entry.nodes.get(node.id);
      if (existing && existing.orgId !== node.orgId) {
        throw new ConflictError(`Node ${node.id} is already provisioned for another organisation`);
      }
      const tokenOwner = entry.nodes.findByClientToken(clientToken);
      if (tokenOwner && tokenOwner.nodeId !== node.id) {
        throw new ConflictError(`The client token was already used for node ${tokenOwner.nodeId}`);
      }
      if (!existing) {
        await entry.nodes.put({
          nodeId: node.id,
          orgId: node.orgId,
          networkId: network.id,
          clientToken,
          serving: true,
          registeredAt: new Date().toISOString(),
        });
      }
      // A repeat after a crash half-way must still leave a serving node with a running chain.
      if (entry.nodes.get(node.id)?.serving) await this.#runChain(entry);
      return { providerRef: providerRef(network.id, node.id) };
    });
  }

  async describe(node: NodeRecord): Promise<NodeDescription> {
    this.#assertOpen();
    const entry = this.#networks.get(node.networkId);
    const registered = entry?.nodes.get(node.id);
    if (!entry || !registered) return { status: 'missing', sharedChain: true, detail: 'The node is not provisioned.' };
    return describeRegistered(entry, registered);
  }

  async start(node: NodeRecord): Promise<void> {
    this.#assertOpen();
    await this.#serialised(node.networkId, async () => {
      const { entry, registered } = this.#registered(node);
      if (!registered.serving) await entry.nodes.put({ ...registered, serving: true });
      await this.#runChain(entry);
    });
  }

  async stop(node: NodeRecord): Promise<void> {
    this.#assertOpen();
    await this.#serialised(node.networkId, async () => {
      const { entry, registered } = this.#registered(node);
      if (registered.serving) await entry.nodes.put({ ...registered, serving: false });
      if (entry.nodes.servingCount === 0) await entry.chain.stop();
    });
  }

  /**
   * Makes the node serve again. The chain process is shared by every node of the network, so it is only
   * restarted (from its state, with a fresh restart budget) when it does not answer: a healthy chain is never
   * interrupted for the other organisations because one node was asked to restart.
   */
  async restart(node: NodeRecord): Promise<void> {
    this.#assertOpen();
    await this.#serialised(node.networkId, async () => {
      const { entry, registered } = this.#registered(node);
      if (!registered.serving) await entry.nodes.put({ ...registered, serving: true });
      if (entry.chain.status === 'running' && (await entry.chain.isHealthy())) return;
      try {
        await entry.chain.restart();
      } catch (error) {
        throw chainUnavailable(entry, error);
      }
    });
  }

  /** Forgets the node; the chain stops when it was the network's last serving node. Its state is kept. */
  async deprovision(node: NodeRecord): Promise<void> {
    this.#assertOpen();
    await this.#serialised(node.networkId, async () => {
      const entry = this.#networks.get(node.networkId);
      if (!entry?.nodes.get(node.id)) return;
      await entry.nodes.remove(node.id);
      if (entry.nodes.servingCount === 0) await entry.chain.stop();
    });
  }

  async inventory(): Promise<readonly InventoryItem[]> {
    this.#assertOpen();
    const items: InventoryItem[] = [];
    for (const [networkId, entry] of this.#networks) {
      for (const registered of entry.nodes.list()) {
        items.push({
          providerRef: providerRef(networkId, registered.nodeId),
          nodeId: registered.nodeId,
          networkId,
          orgId: registered.orgId,
          status: describeRegistered(entry, registered).status,
        });
      }
    }
    return items;
  }

  /** Stops every chain (each writes its state) and supervision. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const results = await Promise.allSettled(
      [...this.#networks.entries()].map(([networkId, entry]) => this.#serialised(networkId, () => entry.chain.stop())),
    );
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw new PlatformError('Some chains did not stop cleanly', { cause: failure.reason });
  }

  async #runChain(entry: NetworkEntry): Promise<void> {
    try {
      await entry.chain.ensureRunning();
    } catch (error) {
      throw chainUnavailable(entry, error);
    }
  }

  async #networkFor(config: AnvilChainConfig): Promise<NetworkEntry> {
    assertSafeId(config.networkId, 'network');
    const known = this.#networks.get(config.networkId) ?? (await this.#load(config.networkId));
    if (known) {
      const { chainId, blockPeriodSeconds } = known.chain.config;
      if (chainId !== config.chainId || blockPeriodSeconds !== config.blockPeriodSeconds) {
        throw new ConflictError(
          `Network ${config.networkId} already runs a chain with chain id ${chainId} and a ${blockPeriodSeconds} s block period`,
        );
      }
      return known;
    }
    const files = new AnvilChainFiles(join(this.#chainsDir, config.networkId));
    await files.writeConfig(config);
    const entry: NetworkEntry = { chain: this.#chain(config, files), nodes: await LocalNodeRegistry.load(files.dir) };
    this.#networks.set(config.networkId, entry);
    return entry;
  }

  async #load(networkId: string): Promise<NetworkEntry | undefined> {
    const files = new AnvilChainFiles(join(this.#chainsDir, networkId));
    const config = await files.readConfig();
    if (!config) return undefined;
    const entry: NetworkEntry = { chain: this.#chain(config, files), nodes: await LocalNodeRegistry.load(files.dir) };
    this.#networks.set(networkId, entry);
    return entry;
  }

  #chain(config: AnvilChainConfig, files: AnvilChainFiles): AnvilChain {
    const options = this.#options;
    return new AnvilChain(config, files, {
      anvilPath: this.#anvilPath,
      stateIntervalSeconds: options.stateIntervalSeconds ?? 5,
      stateSnapshotIntervalMs: options.stateSnapshotIntervalMs ?? 300_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 15_000,
      readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
      devAccounts: options.devAccounts ?? 0,
      ...(options.restartPolicy && { restartPolicy: options.restartPolicy }),
      ...(options.exitPollMs !== undefined && { exitPollMs: options.exitPollMs }),
      onEvent: options.onEvent ?? (() => {}),
    });
  }

  #registered(node: NodeRecord): { entry: NetworkEntry; registered: RegisteredNode } {
    const entry = this.#networks.get(node.networkId);
    const registered = entry?.nodes.get(node.id);
    if (!entry || !registered) throw new NotFoundError(`Node ${node.id} is not provisioned`);
    return { entry, registered };
  }

  #assertAnvilNode(node: NodeRecord): void {
    assertSafeId(node.id, 'node');
    if (node.runtime !== 'anvil') {
      throw new ValidationError(`Node ${node.id} runs on ${node.runtime}; this provider runs anvil nodes`);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new ServiceUnavailableError('The local node provider is closed');
  }

  /** Operations on one network run one at a time, so two nodes never start its chain twice. */
  #serialised<T>(networkId: string, operation: () => Promise<T>): Promise<T> {
    const result = (this.#locks.get(networkId) ?? Promise.resolve()).then(operation);
    this.#locks.set(
      networkId,
      result.catch(() => {}),
    );
    return result;
  }
}

function providerRef(networkId: string, nodeId: string): string {
  return `anvil:${networkId}/${nodeId}`;
}

function assertSafeId(id: string, what: string): void {
  if (!SAFE_ID.test(id)) throw new ValidationError(`The ${what} id ${JSON.stringify(id)} is not valid`);
}

function chainUnavailable(entry: NetworkEntry, error: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError(
    `The chain of network ${entry.chain.networkId} could not be started: ${(error as Error).message}`,
    { cause: error },
  );
}

const CHAIN_STATUS: Record<AnvilChain['status'], ProviderNodeStatus> = {
  running: 'running',
  starting: 'pending',
  backoff: 'pending',
  stopping: 'stopping',
  stopped: 'stopped',
  failed: 'failed',
};

function describeRegistered(entry: NetworkEntry, registered: RegisteredNode): NodeDescription {
  if (!registered.serving) {
    return { status: 'stopped', sharedChain: true, detail: `Stopped. ${SHARED_CHAIN_DETAIL}` };
  }
  const { chain } = entry;
  const status = CHAIN_STATUS[chain.status];
  const rpcUrl = chain.rpcUrl;
  const reason =
    status === 'failed'
      ? `The network’s chain is down: ${chain.detail ?? 'unknown reason'}. `
      : status === 'pending'
        ? 'The network’s chain is starting. '
        : chain.detail
          ? `${chain.detail}. `
          : '';
  return {
    status,
    sharedChain: true,
    ...(status === 'running' && rpcUrl !== undefined && { rpcUrl }),
    detail: `${reason}${SHARED_CHAIN_DETAIL}`,
  };
}
