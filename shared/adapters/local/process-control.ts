/**
 * Signals and liveness for local node processes, whether this process spawned them or re-adopted them after a
 * control-plane restart (then there is no ChildProcess handle and no exit event: only the pid).
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 50;

/** True while a process with this pid exists and is not a zombie waiting to be reaped. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the pid exists but belongs to someone else; it is alive, just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  const stat = readProcFile(pid, 'stat');
  if (stat === undefined) return false;
  // The command name in parentheses may contain spaces; the state letter follows the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
}

/** The process's argv where the platform exposes it (Linux /proc); undefined elsewhere or when it is gone. */
export function readCommandLine(pid: number): string[] | undefined {
  const raw = readProcFile(pid, 'cmdline');
  if (raw === undefined || raw.length === 0) return undefined;
  return raw.split('\0').filter((part) => part.length > 0);
}

function readProcFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

function childHasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves true once the process is gone, false when `timeoutMs` passes first. */
export async function waitForExit(pid: number, timeoutMs: number, child?: ChildProcess): Promise<boolean> {
  if (child) {
    if (childHasExited(child)) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        child.off('exit', onExit);
        resolve(false);
      }, timeoutMs);
      const onExit = () => {
        clearTimeout(timer);
        resolve(true);
      };
      child.once('exit', onExit);
    });
  }
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * SIGTERM, then SIGKILL if the process has not exited within `timeoutMs`. SIGTERM comes first because anvil
 * writes its state on it; SIGKILL only bounds how long a hung process can hold up a shutdown.
 */
export async function terminateProcess(
  pid: number,
  options: { readonly timeoutMs: number; readonly child?: ChildProcess },
): Promise<'exited' | 'killed'> {
  if (options.child ? childHasExited(options.child) : !isProcessAlive(pid)) return 'exited';
  signal(pid, 'SIGTERM');
  if (await waitForExit(pid, options.timeoutMs, options.child)) return 'exited';
  signal(pid, 'SIGKILL');
  await waitForExit(pid, 5_000, options.child);
  return 'killed';
}

/**
 * Calls `onExit` once when the process goes away. Spawned children report at once through their exit event;
 * adopted processes are polled. Returns a function that stops watching.
 */
export function watchExit(
  pid: number,
  child: ChildProcess | undefined,
  pollMs: number,
  onExit: () => void,
): () => void {
  if (child) {
    if (childHasExited(child)) {
      queueMicrotask(onExit);
      return () => {};
    }
    child.once('exit', onExit);
    return () => child.off('exit', onExit);
  }
  const timer = setInterval(() => {
    if (!isProcessAlive(pid)) {
      clearInterval(timer);
      onExit();
    }
  }, pollMs);
  timer.unref();
  return () => clearInterval(timer);
}
