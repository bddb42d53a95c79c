/**
 * What starting a local chain or node process needs, whatever the program (anvil, Besu): loopback ports that stay
 * the same across restarts when they can, an output file that does not grow without bound and whose fresh part
 * explains a failed start, and telling whether a recorded pid is still that process (pids are reused).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, statSync, truncateSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PlatformError } from '../../errors.ts';
import { isProcessAlive, readCommandLine, terminateProcess } from './process-control.ts';
import type { SupervisedProcess } from './process-supervisor.ts';

/** Local processes listen on loopback only. */
export const LOOPBACK = '127.0.0.1';
const LOG_LIMIT_BYTES = 1_000_000;
/** How much of a failed start's output an error carries. */
const LOG_TAIL_BYTES = 4_000;

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The previous port when it is free, so URLs and enodes survive restarts; any other free port otherwise. */
export async function choosePort(preferred: number | undefined, taken: readonly number[] = []): Promise<number> {
  if (preferred !== undefined && !taken.includes(preferred) && (await isPortFree(preferred))) return preferred;
  for (;;) {
    const port = await freePort();
    if (!taken.includes(port)) return port;
  }
}

/** Opens the process's output file for appending (a file, not a pipe, so the process outlives us), bounded. */
function openLog(path: string): number {
  if (existsSync(path) && statSync(path).size > LOG_LIMIT_BYTES) truncateSync(path, 0);
  return openSync(path, 'a', 0o600);
}

/** The last few kilobytes written to the output file after `offset` (this start's own output). */
async function readLogFrom(path: string, offset: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(Math.max(0, size - offset), LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, Math.max(offset, size - length));
    return buffer.toString('utf8').trim();
  } finally {
    await handle.close();
  }
}

/** The program could not bind a port another program took between our check and its start: try other ports. */
export class PortTakenError extends PlatformError {}

export interface SpawnPlan {
  /** In messages: `anvil`, `besu`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly logPath: string;
  /** Recorded as soon as the process exists, so a control plane killed now can still find it. */
  readonly recordPid: (pid: number) => Promise<void>;
  readonly clearPid: () => Promise<void>;
  /** Whether the process serves yet. */
  readonly ready: () => Promise<boolean>;
  readonly readyTimeoutMs: number;
  readonly pollMs: number;
  /** How to stop it when it never became ready. */
  readonly giveUpStopMs: number;
}

/**
 * Starts the process detached (it outlives a control plane killed with -9, to be re-adopted), its output to its
 * log file, and resolves once it serves. A process that exits first fails with its own output (PortTakenError when
 * that output says a port was in use); one that never serves is stopped and fails.
 */
export async function spawnDetached(plan: SpawnPlan): Promise<{ child: ChildProcess; pid: number }> {
  const logFd = openLog(plan.logPath);
  const logOffset = statSync(plan.logPath).size;
  let child: ChildProcess;
  try {
    child = spawn(plan.command, [...plan.args], {
      ...(plan.cwd !== undefined && { cwd: plan.cwd }),
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw await spawnError;
  await plan.recordPid(pid);

  const deadline = Date.now() + plan.readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await plan.clearPid();
      const output = await readLogFrom(plan.logPath, logOffset);
      if (/already in use/i.test(output)) throw new PortTakenError(output);
      throw new PlatformError(
        `${plan.name} exited (${child.exitCode ?? child.signalCode}) before serving: ${output || 'no output'}`,
      );
    }
    if (await plan.ready()) return { child, pid };
    await sleep(plan.pollMs);
  }
  await terminateProcess(pid, { timeoutMs: plan.giveUpStopMs, child });
  await plan.clearPid();
  throw new PlatformError(`${plan.name} did not serve within ${plan.readyTimeoutMs} ms`);
}

/**
 * What a recorded pid is now. `serving`: our process (its command line contains `marker`), answering. `hung`: ours
 * but not answering. `foreign`: alive but not shown to be ours (pid reuse, or no /proc to check), so it must not be
 * signalled. `gone`: no such process.
 */
export type RecordedProcessState = 'serving' | 'hung' | 'foreign' | 'gone';

export async function inspectRecordedPid(
  pid: number,
  marker: string,
  answers: () => Promise<boolean>,
): Promise<RecordedProcessState> {
  if (!isProcessAlive(pid)) return 'gone';
  const commandLine = readCommandLine(pid);
  const namesOurs = commandLine?.includes(marker);
  if (namesOurs === false) return 'foreign';
  if ((await answers()) && (namesOurs === true || commandLine === undefined)) return 'serving';
  return namesOurs === true ? 'hung' : 'foreign';
}

/**
 * Lets go of a recorded process that is not being re-adopted: stops it when it is ours (serving or hung, so two
 * processes never share one database or state file) and forgets the pid. True when it stopped one.
 */
export async function releaseRecorded(
  pid: number,
  found: RecordedProcessState,
  files: { clearPid(): Promise<void> },
  timeoutMs: number,
): Promise<boolean> {
  const ours = found === 'serving' || found === 'hung';
  if (ours) await terminateProcess(pid, { timeoutMs });
  await files.clearPid();
  return ours;
}

/** Stops a supervised process (SIGTERM, then SIGKILL after `timeoutMs`) and forgets its recorded pid. */
export async function stopRecorded(
  process: SupervisedProcess,
  files: { clearPid(): Promise<void> },
  timeoutMs: number,
): Promise<void> {
  await terminateProcess(process.pid, { timeoutMs, ...(process.child && { child: process.child }) });
  await files.clearPid();
}
