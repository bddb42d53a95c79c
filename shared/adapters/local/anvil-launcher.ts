/**
 * Starting, recognising and stopping one network's anvil process. The process is spawned detached, with its
 * output in a file rather than a pipe, so it outlives a control plane killed with -9 and can be re-adopted.
 */
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { callJsonRpc } from '../../chain/json-rpc-call.ts';
import { PlatformError } from '../../errors.ts';
import type { AnvilChainConfig, AnvilChainFiles } from './anvil-chain-files.ts';
import { applyGenesisAlloc } from './anvil-genesis-alloc.ts';
import {
  choosePort,
  inspectRecordedPid,
  LOOPBACK,
  PortTakenError,
  type RecordedProcessState,
  spawnDetached,
  stopRecorded,
} from './process-launch.ts';
import type { SupervisedProcess } from './process-supervisor.ts';

const HOST = LOOPBACK;
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
    throw new PlatformError(`anvil is not installed for ${process.platform}-${process.arch} (package ${packageName})`, {
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
    // Free gas (docs/architecture.md, "What the control plane is"): a fresh key transacts at once.
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

function spawnAndWait(
  config: AnvilChainConfig,
  files: AnvilChainFiles,
  port: number,
  options: AnvilLaunchOptions,
): Promise<{ child: ChildProcess; pid: number }> {
  const rpcUrl = `http://${HOST}:${port}`;
  return spawnDetached({
    name: 'anvil',
    command: options.anvilPath,
    args: anvilArguments(config, files, port, options),
    logPath: files.logPath,
    recordPid: (pid) => files.writePid(pid),
    clearPid: () => files.clearPid(),
    ready: () => answersAsChain(rpcUrl, config.chainId, 250),
    readyTimeoutMs: options.readyTimeoutMs,
    pollMs: 50,
    giveUpStopMs: 2_000,
  });
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

/** What a recorded pid is now: our anvil when its command line names this chain's state file (see process-launch). */
export async function inspectRecordedProcess(
  pid: number,
  port: number | undefined,
  config: AnvilChainConfig,
  files: AnvilChainFiles,
): Promise<RecordedProcessState> {
  return inspectRecordedPid(
    pid,
    files.statePath,
    async () => port !== undefined && (await answersAsChain(`http://${HOST}:${port}`, config.chainId, 1_000)),
  );
}

export async function stopAnvil(process: SupervisedProcess, files: AnvilChainFiles, timeoutMs: number): Promise<void> {
  await stopRecorded(process, files, timeoutMs);
}

export async function probeAnvil(rpcUrl: string, chainId: number): Promise<boolean> {
  return answersAsChain(rpcUrl, chainId, 1_000);
}
