/**
 * Starting, recognising and stopping one network's anvil process. The process is spawned detached, with its
 * output in a file rather than a pipe, so it outlives a control plane killed with -9 and can be re-adopted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, statSync, truncateSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { callJsonRpc } from '../../chain/json-rpc-call.ts';
import type { AnvilChainConfig, AnvilChainFiles } from './anvil-chain-files.ts';
import { applyGenesisAlloc } from './anvil-genesis-alloc.ts';
import { isProcessAlive, readCommandLine, terminateProcess } from './process-control.ts';
import type { SupervisedProcess } from './process-supervisor.ts';

const HOST = '127.0.0.1';
const LOG_LIMIT_BYTES = 1_000_000;
const PORT_ATTEMPTS = 3;

export interface AnvilProcess extends SupervisedProcess {
  readonly port: number;
  readonly rpcUrl: string;
  /** Set when the start had to recover the saved state (for the chain's detail text). */
  readonly note?: string;
}

export interface AnvilLaunchOptions {
  readonly anvilPath: string;
  readonly stateIntervalSeconds: number;
  readonly readyTimeoutMs: number;
  /** Unlocked, pre-funded accounts anvil creates; a consortium chain wants none. */
  readonly devAccounts: number;
}

/** The anvil binary shipped in the platform package that `@foundry-rs/anvil` depends on. */
export function resolveAnvilBinary(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const packageName = `@foundry-rs/anvil-${process.platform}-${arch}`;
  try {
    const packageJson = createRequire(import.meta.url).resolve(`${packageName}/package.json`);
    return join(dirname(packageJson), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
  } catch (error) {
    throw new Error(`anvil is not installed for ${process.platform}-${process.arch} (package ${packageName})`, {
      cause: error,
    });
  }
}

export function anvilArguments(
  config: AnvilChainConfig,
  files: AnvilChainFiles,
  port: number,
  options: Pick<AnvilLaunchOptions, 'stateIntervalSeconds' | 'devAccounts'>,
): string[] {
  return [
    '--host',
    HOST,
    '--port',
    String(port),
    '--chain-id',
    String(config.chainId),
    '--block-time',
    String(config.blockPeriodSeconds),
    // Free gas (DESIGN.md, "Networks"): a fresh key transacts at once.
    '--base-fee',
    '0',
    '--gas-price',
    '0',
    '--disable-min-priority-fee',
    '--accounts',
    String(options.devAccounts),
    '--state',
    files.statePath,
    '--state-interval',
    String(options.stateIntervalSeconds),
    // Without it anvil logs every RPC call to its output; errors still reach stderr.
    '--silent',
  ];
}

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The chain's previous port when it is free, so its RPC URL survives restarts; any free port otherwise. */
async function choosePort(preferred: number | undefined): Promise<number> {
  if (preferred !== undefined && (await isPortFree(preferred))) return preferred;
  return freePort();
}

function openLog(path: string): number {
  if (existsSync(path) && statSync(path).size > LOG_LIMIT_BYTES) truncateSync(path, 0);
  return openSync(path, 'a', 0o600);
}

async function readLogFrom(path: string, offset: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(Math.max(0, size - offset), 4_000);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, Math.max(offset, size - length));
    return buffer.toString('utf8').trim();
  } finally {
    await handle.close();
  }
}

class PortTakenError extends Error {}

async function spawnAndWait(
  config: AnvilChainConfig,
  files: AnvilChainFiles,
  port: number,
  options: AnvilLaunchOptions,
): Promise<{ child: ChildProcess; pid: number }> {
  const logFd = openLog(files.logPath);
  const logOffset = statSync(files.logPath).size;
  let child: ChildProcess;
  try {
    child = spawn(options.anvilPath, anvilArguments(config, files, port, options), {
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
  await files.writePid(pid);

  const rpcUrl = `http://${HOST}:${port}`;
  const deadline = Date.now() + options.readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await files.clearPid();
      const output = await readLogFrom(files.logPath, logOffset);
      if (/address already in use/i.test(output)) throw new PortTakenError(output);
      throw new Error(`anvil exited (${child.exitCode ?? child.signalCode}) before serving: ${output || 'no output'}`);
    }
    if (await answersAsChain(rpcUrl, config.chainId, 250)) return { child, pid };
    await sleep(50);
  }
  await terminateProcess(pid, { timeoutMs: 2_000, child });
  await files.clearPid();
  throw new Error(`anvil did not answer on ${rpcUrl} within ${options.readyTimeoutMs} ms`);
}

/**
 * Starts the chain from its saved state (or as a new chain with its genesis allocations) and resolves once it
 * answers `eth_chainId` with the network's chain id.
 */
export async function launchAnvil(
  config: AnvilChainConfig,
  files: AnvilChainFiles,
  options: AnvilLaunchOptions,
): Promise<AnvilProcess> {
  await files.ensureDir();
  const prepared = await files.prepareState();
  if (prepared.fresh) await files.setAllocApplied(false);
  const recorded = (await files.readProcess()).port;
  for (let attempt = 1; ; attempt += 1) {
    const port = await choosePort(attempt === 1 ? recorded : undefined);
    let started: { child: ChildProcess; pid: number };
    try {
      started = await spawnAndWait(config, files, port, options);
    } catch (error) {
      // Another program can take a free port between our check and anvil's bind: try another one.
      if (!(error instanceof PortTakenError) || attempt >= PORT_ATTEMPTS) throw error;
      continue;
    }
    const rpcUrl = `http://${HOST}:${port}`;
    try {
      await ensureGenesisAlloc(rpcUrl, config, files);
      await files.writePort(port);
    } catch (error) {
      await stopAnvil(started, files, 5_000);
      throw error;
    }
    return { ...started, port, rpcUrl, ...(prepared.note !== undefined && { note: prepared.note }) };
  }
}

/**
 * Applies the genesis allocations unless the chain already has them. They are absolute values, so applying them
 * again after a crash that came between the calls and the marker is harmless.
 */
export async function ensureGenesisAlloc(rpcUrl: string, config: AnvilChainConfig, files: AnvilChainFiles) {
  if (await files.isAllocApplied()) return;
  await applyGenesisAlloc(rpcUrl, config.alloc);
  await files.setAllocApplied(true);
}

async function answersAsChain(rpcUrl: string, chainId: number, timeoutMs: number): Promise<boolean> {
  try {
    const [client, id] = await Promise.all([
      callJsonRpc(rpcUrl, 'web3_clientVersion', [], timeoutMs),
      callJsonRpc(rpcUrl, 'eth_chainId', [], timeoutMs),
    ]);
    return (
      typeof client === 'string' && client.startsWith('anvil/') && typeof id === 'string' && Number(id) === chainId
    );
  } catch {
    return false;
  }
}

/**
 * What a recorded pid is now. `serving`: our anvil, answering with the network's chain id. `hung`: our anvil (its
 * command line names this chain's state file) but not answering. `foreign`: the pid is alive but cannot be shown
 * to be ours (pid reuse, or no /proc to check), so it must not be signalled. `gone`: no such process.
 */
export type RecordedProcessState = 'serving' | 'hung' | 'foreign' | 'gone';

export async function inspectRecordedProcess(
  pid: number,
  port: number | undefined,
  config: AnvilChainConfig,
  files: AnvilChainFiles,
): Promise<RecordedProcessState> {
  if (!isProcessAlive(pid)) return 'gone';
  const commandLine = readCommandLine(pid);
  const namesOurState = commandLine?.includes(files.statePath) ?? undefined;
  if (namesOurState === false) return 'foreign';
  const answers = port !== undefined && (await answersAsChain(`http://${HOST}:${port}`, config.chainId, 1_000));
  if (answers && (namesOurState === true || commandLine === undefined)) return 'serving';
  return namesOurState === true ? 'hung' : 'foreign';
}

export async function stopAnvil(process: SupervisedProcess, files: AnvilChainFiles, timeoutMs: number): Promise<void> {
  await terminateProcess(process.pid, { timeoutMs, ...(process.child && { child: process.child }) });
  await files.clearPid();
}

export async function probeAnvil(rpcUrl: string, chainId: number): Promise<boolean> {
  return answersAsChain(rpcUrl, chainId, 1_000);
}
