/**
 * Keeps one local process running: restarts it with exponential backoff when it dies unexpectedly, and gives up
 * (status `failed`) after a bounded number of restarts within a window, so a process that cannot start does not
 * spin. What "start" and "stop" mean (spawn anvil, re-adopt a live pid, ...) is passed in.
 */
import type { ChildProcess } from 'node:child_process';
import { PlatformError } from '../../errors.ts';
import { watchExit } from './process-control.ts';

export type SupervisorStatus = 'stopped' | 'starting' | 'running' | 'backoff' | 'stopping' | 'failed';

export interface SupervisedProcess {
  readonly pid: number;
  /** Present when this process spawned it; absent for a process re-adopted after a control-plane restart. */
  readonly child?: ChildProcess;
}

export interface RestartPolicy {
  /** Delay before the first restart after a crash; doubles with each further crash in the window. @default 500 */
  readonly initialBackoffMs: number;
  /** @default 15_000 */
  readonly maxBackoffMs: number;
  /** Crashes tolerated within `windowMs`; one more and the supervisor reports `failed`. @default 5 */
  readonly maxRestarts: number;
  /** @default 300_000 (5 minutes) */
  readonly windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialBackoffMs: 500,
  maxBackoffMs: 15_000,
  maxRestarts: 5,
  windowMs: 300_000,
};

export type SupervisorEvent =
  | { readonly type: 'process-exited'; readonly pid: number }
  | { readonly type: 'process-restarted'; readonly pid: number; readonly attempt: number }
  | { readonly type: 'restart-failed'; readonly error: string; readonly attempt: number }
  | { readonly type: 'supervision-abandoned'; readonly reason: string };

export interface SupervisorHooks<P extends SupervisedProcess> {
  /** Starts a fresh process and resolves once it serves; rejects when it cannot. */
  launch(): Promise<P>;
  /** Stops the process gracefully (it may already be gone). */
  terminate(process: P): Promise<void>;
}

export interface SupervisorOptions {
  readonly restartPolicy?: Partial<RestartPolicy>;
  /** How often an adopted process (no exit event) is checked. @default 500 */
  readonly exitPollMs?: number;
  readonly onEvent?: (event: SupervisorEvent) => void;
  readonly now?: () => number;
}

export class ProcessSupervisor<P extends SupervisedProcess> {
  readonly #hooks: SupervisorHooks<P>;
  readonly #policy: RestartPolicy;
  readonly #exitPollMs: number;
  readonly #onEvent: (event: SupervisorEvent) => void;
  readonly #now: () => number;
  #status: SupervisorStatus = 'stopped';
  #current: P | undefined;
  #lastError: string | undefined;
  #crashTimes: number[] = [];
  #restartTimer: NodeJS.Timeout | undefined;
  #unwatch: (() => void) | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(hooks: SupervisorHooks<P>, options: SupervisorOptions = {}) {
    this.#hooks = hooks;
    this.#policy = { ...DEFAULT_RESTART_POLICY, ...options.restartPolicy };
    this.#exitPollMs = options.exitPollMs ?? 500;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#now = options.now ?? Date.now;
  }

  get status(): SupervisorStatus {
    return this.#status;
  }

  get current(): P | undefined {
    return this.#status === 'running' ? this.#current : undefined;
  }

  /** Why the last start failed or why supervision was abandoned. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /**
   * Resolves with the running process, starting it when needed. A pending backoff is cut short and a `failed`
   * supervisor gets a fresh restart budget: an explicit request to run is worth one more try.
   */
  ensureRunning(): Promise<P> {
    return this.#serialised(async () => {
      if (this.#status === 'running' && this.#current) return this.#current;
      this.#cancelRestart();
      if (this.#status === 'failed') this.#crashTimes = [];
      return this.#launch();
    });
  }

  /** Takes over a process that is already running (found alive after a control-plane restart). */
  adopt(process: P): Promise<void> {
    return this.#serialised(async () => {
      if (this.#status === 'running' && this.#current?.pid === process.pid) return;
      if (this.#status === 'running' || this.#status === 'starting') {
        throw new PlatformError(`already supervising pid ${this.#current?.pid}`);
      }
      this.#cancelRestart();
      this.#running(process);
    });
  }

  /** Stops the process and supervision. Idempotent. */
  stop(): Promise<void> {
    return this.#serialised(async () => {
      this.#cancelRestart();
      await this.#terminateCurrent();
      this.#status = 'stopped';
    });
  }

  /** Stops the current process (if any) and starts a fresh one, with a fresh restart budget. */
  restart(): Promise<P> {
    return this.#serialised(async () => {
      this.#cancelRestart();
      await this.#terminateCurrent();
      this.#crashTimes = [];
      return this.#launch();
    });
  }

  #serialised<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => {});
    return result;
  }

  async #launch(): Promise<P> {
    this.#status = 'starting';
    try {
      const process = await this.#hooks.launch();
      this.#lastError = undefined;
      this.#running(process);
      return process;
    } catch (error) {
      this.#status = 'failed';
      this.#lastError = describeError(error);
      throw error;
    }
  }

  #running(process: P): void {
    this.#current = process;
    this.#status = 'running';
    this.#unwatch = watchExit(process.pid, process.child, this.#exitPollMs, () => this.#exited(process));
  }

  async #terminateCurrent(): Promise<void> {
    const process = this.#current;
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#current = undefined;
    if (!process) return;
    this.#status = 'stopping';
    await this.#hooks.terminate(process);
  }

  #exited(process: P): void {
    if (this.#current !== process || this.#status !== 'running') return;
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#current = undefined;
    this.#onEvent({ type: 'process-exited', pid: process.pid });
    this.#scheduleRestart();
  }

  #scheduleRestart(): void {
    const now = this.#now();
    this.#crashTimes = [...this.#crashTimes.filter((time) => now - time < this.#policy.windowMs), now];
    const attempt = this.#crashTimes.length;
    if (attempt > this.#policy.maxRestarts) {
      this.#status = 'failed';
      const reason = `stopped restarting after ${attempt} crashes within ${Math.round(this.#policy.windowMs / 1000)} s${
        this.#lastError ? `; last error: ${this.#lastError}` : ''
      }`;
      this.#lastError = reason;
      this.#onEvent({ type: 'supervision-abandoned', reason });
      return;
    }
    this.#status = 'backoff';
    const delay = Math.min(this.#policy.maxBackoffMs, this.#policy.initialBackoffMs * 2 ** (attempt - 1));
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      void this.#serialised(() => this.#restartAfterCrash(attempt));
    }, delay);
    this.#restartTimer.unref();
  }

  async #restartAfterCrash(attempt: number): Promise<void> {
    if (this.#status !== 'backoff') return;
    this.#status = 'starting';
    try {
      const process = await this.#hooks.launch();
      this.#running(process);
      this.#onEvent({ type: 'process-restarted', pid: process.pid, attempt });
    } catch (error) {
      this.#lastError = describeError(error);
      this.#onEvent({ type: 'restart-failed', error: this.#lastError, attempt });
      this.#scheduleRestart();
    }
  }

  #cancelRestart(): void {
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
