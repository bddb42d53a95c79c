/**
 * One network's chain on the anvil runtime: a single supervised anvil process, persisted with `--state`, that all
 * nodes of the network share (anvil is a single-sealer dev chain and cannot peer; docs/architecture.md, "Two modes, one code path").
 * It is restarted from its state when it dies, re-adopted when a restarted control plane finds it alive, and
 * stopped with SIGTERM so anvil writes its state before exiting.
 */
import type { AnvilChainConfig, AnvilChainFiles } from './anvil-chain-files.ts';
import {
  type AnvilLaunchOptions,
  type AnvilProcess,
  ensureGenesisAlloc,
  inspectRecordedProcess,
  launchAnvil,
  probeAnvil,
  stopAnvil,
} from './anvil-launcher.ts';
import { releaseRecorded } from './process-launch.ts';
import {
  ProcessSupervisor,
  type RestartPolicy,
  type SupervisorEvent,
  type SupervisorStatus,
} from './process-supervisor.ts';

export type ChainEvent =
  | {
      readonly type: 'chain-started' | 'chain-adopted' | 'chain-stopped';
      readonly networkId: string;
      readonly pid: number;
    }
  | { readonly type: 'chain-exited'; readonly networkId: string; readonly pid: number }
  | { readonly type: 'chain-restarted'; readonly networkId: string; readonly pid: number; readonly attempt: number }
  | {
      readonly type: 'chain-start-failed' | 'chain-abandoned' | 'state-snapshot-failed';
      readonly networkId: string;
      readonly detail: string;
    };

export interface AnvilChainOptions extends AnvilLaunchOptions {
  readonly stopTimeoutMs: number;
  readonly stateSnapshotIntervalMs: number;
  readonly restartPolicy?: Partial<RestartPolicy>;
  readonly exitPollMs?: number;
  readonly onEvent: (event: ChainEvent) => void;
}

export class AnvilChain {
  readonly #supervisor: ProcessSupervisor<AnvilProcess>;
  readonly #options: AnvilChainOptions;
  #note: string | undefined;
  #snapshotTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly config: AnvilChainConfig,
    readonly files: AnvilChainFiles,
    options: AnvilChainOptions,
  ) {
    this.#options = options;
    this.#supervisor = new ProcessSupervisor<AnvilProcess>(
      {
        launch: async () => {
          const started = await launchAnvil(config, files, options);
          this.#note = started.note;
          return started;
        },
        terminate: (process) => stopAnvil(process, files, options.stopTimeoutMs),
      },
      {
        ...(options.restartPolicy && { restartPolicy: options.restartPolicy }),
        ...(options.exitPollMs !== undefined && { exitPollMs: options.exitPollMs }),
        onEvent: (event) => this.#supervisorEvent(event),
      },
    );
  }

  get networkId(): string {
    return this.config.networkId;
  }

  get status(): SupervisorStatus {
    return this.#supervisor.status;
  }

  get pid(): number | undefined {
    return this.#supervisor.current?.pid;
  }

  get rpcUrl(): string | undefined {
    return this.#supervisor.current?.rpcUrl;
  }

  /** Why the chain is not running, or what its last start had to recover. */
  get detail(): string | undefined {
    return this.#supervisor.lastError ?? this.#note;
  }

  async ensureRunning(): Promise<AnvilProcess> {
    const wasRunning = this.#supervisor.current;
    const running = await this.#supervisor.ensureRunning();
    if (running !== wasRunning) this.#started('chain-started', running.pid);
    return running;
  }

  /**
   * After a control-plane restart: re-adopts the recorded process when it is our anvil and answers with the
   * network's chain id, otherwise starts the chain from its saved state. A recorded process that is ours but
   * does not answer is stopped first, so two anvils never write the same state file.
   */
  async resume(): Promise<'adopted' | 'started'> {
    const { pid, port } = await this.files.readProcess();
    if (pid !== undefined) {
      const found = await inspectRecordedProcess(pid, port, this.config, this.files);
      if (found === 'serving' && port !== undefined) {
        const rpcUrl = `http://127.0.0.1:${port}`;
        await ensureGenesisAlloc(rpcUrl, this.config, this.files);
        await this.#supervisor.adopt({ pid, port, rpcUrl });
        this.#started('chain-adopted', pid);
        return 'adopted';
      }
      await releaseRecorded(pid, found, this.files, this.#options.stopTimeoutMs);
    }
    await this.ensureRunning();
    return 'started';
  }

  /** Stops a process left running by a previous control plane when the network has no serving node any more. */
  async stopLeftover(): Promise<void> {
    const { pid, port } = await this.files.readProcess();
    if (pid === undefined) return;
    const found = await inspectRecordedProcess(pid, port, this.config, this.files);
    if (await releaseRecorded(pid, found, this.files, this.#options.stopTimeoutMs)) {
      this.#options.onEvent({ type: 'chain-stopped', networkId: this.networkId, pid });
    }
  }

  /** True when the chain process answers with the network's chain id. */
  async isHealthy(): Promise<boolean> {
    const url = this.rpcUrl;
    return url !== undefined && (await probeAnvil(url, this.config.chainId));
  }

  /** Restarts the process from its state, with a fresh restart budget. */
  async restart(): Promise<void> {
    const running = await this.#supervisor.restart();
    this.#started('chain-started', running.pid);
  }

  async stop(): Promise<void> {
    const pid = this.pid;
    this.#stopSnapshots();
    await this.#supervisor.stop();
    if (pid !== undefined) this.#options.onEvent({ type: 'chain-stopped', networkId: this.networkId, pid });
  }

  #started(type: 'chain-started' | 'chain-adopted', pid: number): void {
    this.#options.onEvent({ type, networkId: this.networkId, pid });
    if (this.#snapshotTimer) return;
    this.#snapshotTimer = setInterval(() => {
      if (this.status !== 'running') return;
      this.files.snapshotState().catch((error: Error) => {
        this.#options.onEvent({ type: 'state-snapshot-failed', networkId: this.networkId, detail: error.message });
      });
    }, this.#options.stateSnapshotIntervalMs);
    this.#snapshotTimer.unref();
  }

  #stopSnapshots(): void {
    if (this.#snapshotTimer) clearInterval(this.#snapshotTimer);
    this.#snapshotTimer = undefined;
  }

  #supervisorEvent(event: SupervisorEvent): void {
    const networkId = this.networkId;
    switch (event.type) {
      case 'process-exited':
        this.#options.onEvent({ type: 'chain-exited', networkId, pid: event.pid });
        return;
      case 'process-restarted':
        this.#options.onEvent({ type: 'chain-restarted', networkId, pid: event.pid, attempt: event.attempt });
        return;
      case 'restart-failed':
        this.#options.onEvent({ type: 'chain-start-failed', networkId, detail: event.error });
        return;
      case 'supervision-abandoned':
        this.#options.onEvent({ type: 'chain-abandoned', networkId, detail: event.reason });
        return;
    }
  }
}
