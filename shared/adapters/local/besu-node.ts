/**
 * One local Besu node: its own supervised process, restarted with backoff when it dies, re-adopted when a
 * restarted control plane finds it alive, and stopped with SIGTERM (SIGKILL after a timeout). Its node key is made in
 * its data directory before its first start (see node-key.ts). After each start the enode the node reports is checked
 * against that key and recorded, so the network's other nodes can list it as a static node and bootnode.
 */
import { readNodeInfo } from '../../chain/besu/node-info.ts';
import { PlatformError } from '../../errors.ts';
import type { BesuNodeFiles, BesuNodeRegistration } from './besu-node-files.ts';
import {
  answersChainId,
  type BesuLaunchOptions,
  type BesuProcess,
  inspectRecordedBesu,
  launchBesu,
  rpcUrlFor,
  stopBesu,
} from './besu-node-launcher.ts';
import { releaseRecorded } from './process-launch.ts';
import {
  ProcessSupervisor,
  type RestartPolicy,
  type SupervisorEvent,
  type SupervisorStatus,
} from './process-supervisor.ts';

export type BesuNodeEvent =
  | {
      readonly type: 'node-started' | 'node-adopted' | 'node-stopping' | 'node-stopped' | 'node-exited';
      readonly nodeId: string;
      readonly pid: number;
    }
  | { readonly type: 'node-restarted'; readonly nodeId: string; readonly pid: number; readonly attempt: number }
  | { readonly type: 'node-start-failed' | 'node-abandoned'; readonly nodeId: string; readonly detail: string };

export interface BesuNodeOptions extends BesuLaunchOptions {
  readonly stopTimeoutMs: number;
  readonly restartPolicy?: Partial<RestartPolicy>;
  readonly exitPollMs?: number;
  readonly onEvent: (event: BesuNodeEvent) => void;
}

export class BesuNode {
  readonly #supervisor: ProcessSupervisor<BesuProcess>;
  readonly #options: BesuNodeOptions;
  readonly files: BesuNodeFiles;
  readonly nodeId: string;
  readonly chainId: number;
  registration: BesuNodeRegistration;

  /** `peers`: the enodes of the network's other local Besu nodes, asked before each start. */
  constructor(
    files: BesuNodeFiles,
    registration: BesuNodeRegistration,
    peers: () => Promise<readonly string[]>,
    options: BesuNodeOptions,
  ) {
    this.files = files;
    this.nodeId = registration.nodeId;
    this.chainId = registration.network.chainId;
    this.registration = registration;
    this.#options = options;
    // Read at each start: an upgrade changes the registration's release and flags, then restarts the node.
    const plan = () => ({
      network: this.registration.network,
      node: this.registration.node,
      peers,
      ...(this.registration.release && { release: this.registration.release }),
      ...(this.registration.flags && { flags: this.registration.flags }),
    });
    this.#supervisor = new ProcessSupervisor<BesuProcess>(
      {
        launch: async () => {
          const key = await this.files.ensureNodeKey();
          const started = await launchBesu(this.files, plan(), options);
          const info = await readNodeInfo(started.rpcUrl);
          if (info && info.nodeId !== key.nodeId) {
            // Its address would not be the one the genesis or a validator vote names: refuse to run it.
            await stopBesu(started, this.files, options.stopTimeoutMs);
            throw new PlatformError(`besu runs with node id ${info.nodeId}, not the node key in ${this.files.keyPath}`);
          }
          if (info) await this.files.writeEnode(info.enode);
          return started;
        },
        terminate: (process) => stopBesu(process, this.files, options.stopTimeoutMs),
      },
      {
        ...(options.restartPolicy && { restartPolicy: options.restartPolicy }),
        ...(options.exitPollMs !== undefined && { exitPollMs: options.exitPollMs }),
        onEvent: (event) => this.#supervisorEvent(event),
      },
    );
  }

  get status(): SupervisorStatus {
    return this.#supervisor.status;
  }

  get pid(): number | undefined {
    return this.#supervisor.current?.pid;
  }

  get process(): BesuProcess | undefined {
    return this.#supervisor.current;
  }

  get detail(): string | undefined {
    return this.#supervisor.lastError;
  }

  async ensureRunning(): Promise<BesuProcess> {
    const wasRunning = this.#supervisor.current;
    const running = await this.#supervisor.ensureRunning();
    if (running !== wasRunning) this.#emit('node-started', running.pid);
    return running;
  }

  /**
   * After a control-plane restart: re-adopts the recorded process when it is this node's Besu and answers with
   * the network's chain id, otherwise starts the node again. A recorded process that is ours but does not answer
   * is stopped first, so two Besu processes never open the same database.
   */
  async resume(): Promise<'adopted' | 'started'> {
    const { pid, rpcPort, p2pPort } = await this.files.readProcess();
    if (pid !== undefined) {
      const found = await inspectRecordedBesu(pid, rpcPort, this.chainId, this.files);
      if (found === 'serving' && rpcPort !== undefined && p2pPort !== undefined) {
        await this.#supervisor.adopt({ pid, rpcPort, p2pPort, rpcUrl: rpcUrlFor(rpcPort) });
        this.#emit('node-adopted', pid);
        return 'adopted';
      }
      await releaseRecorded(pid, found, this.files, this.#options.stopTimeoutMs);
    }
    await this.ensureRunning();
    return 'started';
  }

  /** Stops a process left running by a previous control plane for a node that should not serve. */
  async stopLeftover(): Promise<void> {
    const { pid, rpcPort } = await this.files.readProcess();
    if (pid === undefined) return;
    const found = await inspectRecordedBesu(pid, rpcPort, this.chainId, this.files);
    if (await releaseRecorded(pid, found, this.files, this.#options.stopTimeoutMs)) this.#emit('node-stopped', pid);
  }

  async isHealthy(): Promise<boolean> {
    const url = this.process?.rpcUrl;
    return url !== undefined && (await answersChainId(url, this.chainId));
  }

  async restart(): Promise<void> {
    const pid = this.pid;
    if (pid !== undefined) this.#emit('node-stopping', pid);
    const running = await this.#supervisor.restart();
    this.#emit('node-started', running.pid);
  }

  async stop(): Promise<void> {
    const pid = this.pid;
    if (pid !== undefined) this.#emit('node-stopping', pid);
    await this.#supervisor.stop();
    if (pid !== undefined) this.#emit('node-stopped', pid);
  }

  #emit(type: 'node-started' | 'node-adopted' | 'node-stopping' | 'node-stopped', pid: number): void {
    this.#options.onEvent({ type, nodeId: this.nodeId, pid });
  }

  #supervisorEvent(event: SupervisorEvent): void {
    const nodeId = this.nodeId;
    switch (event.type) {
      case 'process-exited':
        this.#options.onEvent({ type: 'node-exited', nodeId, pid: event.pid });
        return;
      case 'process-restarted':
        this.#options.onEvent({ type: 'node-restarted', nodeId, pid: event.pid, attempt: event.attempt });
        return;
      case 'restart-failed':
        this.#options.onEvent({ type: 'node-start-failed', nodeId, detail: event.error });
        return;
      case 'supervision-abandoned':
        this.#options.onEvent({ type: 'node-abandoned', nodeId, detail: event.reason });
        return;
    }
  }
}
