/**
 * Starting, recognising and stopping one local Besu node's process. Before each start the node's config.toml and
 * static-nodes.json are rendered again by the pure generators (shared/chain/besu/) with the ports of that start
 * and the enodes of the network's other local nodes. The process is spawned detached, its output in a file rather
 * than a pipe, so it outlives a control plane killed with -9 and can be re-adopted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, statSync, truncateSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { besuConfigToml, type ConfigNetwork, type ConfigNode, staticNodesJson } from '../../chain/besu/besu-config.ts';
import { formatEnode, parseEnode } from '../../chain/besu/enode.ts';
import { nodeIdentityOfNodeId } from '../../chain/besu/node-key.ts';
import { callJsonRpc } from '../../chain/json-rpc-call.ts';
import type { BesuNodeFiles } from './besu-node-files.ts';
import { isProcessAlive, readCommandLine, terminateProcess } from './process-control.ts';
import type { SupervisedProcess } from './process-supervisor.ts';

const HOST = '127.0.0.1';
const LOG_LIMIT_BYTES = 1_000_000;
const PORT_ATTEMPTS = 3;

export interface BesuProcess extends SupervisedProcess {
  readonly rpcPort: number;
  readonly p2pPort: number;
  readonly rpcUrl: string;
}

export interface BesuLaunchPlan {
  readonly network: ConfigNetwork;
  readonly node: ConfigNode;
  /** The enodes this node should dial: the network's other local Besu nodes, asked at each start. */
  readonly peers: () => Promise<readonly string[]>;
}

export interface BesuLaunchOptions {
  readonly besuPath: string;
  /** How long a starting node may take to answer (the JVM and database open take seconds). */
  readonly readyTimeoutMs: number;
}

/** What a node says about itself; both fields come from `admin_nodeInfo`, never from our own guesses. */
export interface BesuNodeInfo {
  readonly enode: string;
  /** The enode's node id: the node key's public key, 128 lower-case hex characters. */
  readonly nodeId: string;
  /** The address of the node key (the key Besu signs blocks with when the node is a validator). */
  readonly nodeAddress: string;
}

class PortTakenError extends Error {}

export function rpcUrlFor(port: number): string {
  return `http://${HOST}:${port}`;
}

/** The config.toml of one start: every path absolute, every interface on loopback, metrics off (port clashes). */
export function renderBesuConfig(
  plan: Pick<BesuLaunchPlan, 'network' | 'node'>,
  files: BesuNodeFiles,
  ports: { readonly rpcPort: number; readonly p2pPort: number },
  peers: readonly string[],
): string {
  return besuConfigToml(plan.network, plan.node, {
    dataPath: files.dataPath,
    genesisFile: files.genesisPath,
    staticNodesFile: files.staticNodesPath,
    p2pHost: HOST,
    p2pPort: ports.p2pPort,
    rpcHttpHost: HOST,
    rpcHttpPort: ports.rpcPort,
    metrics: false,
    bootnodes: [...plan.network.bootnodes, ...peers],
  });
}

/** Starts the node and resolves once it answers `eth_chainId` with the network's chain id. */
export async function launchBesu(
  files: BesuNodeFiles,
  plan: BesuLaunchPlan,
  options: BesuLaunchOptions,
): Promise<BesuProcess> {
  await files.ensureDir();
  const recorded = await files.readProcess();
  for (let attempt = 1; ; attempt += 1) {
    const rpcPort = await choosePort(attempt === 1 ? recorded.rpcPort : undefined, []);
    const p2pPort = await choosePort(attempt === 1 ? recorded.p2pPort : undefined, [rpcPort]);
    const peers = await plan.peers();
    await files.write(files.staticNodesPath, staticNodesJson(peers));
    await files.write(files.configPath, renderBesuConfig(plan, files, { rpcPort, p2pPort }, peers));
    try {
      const started = await spawnAndWait(files, rpcPort, p2pPort, plan.network.chainId, options);
      return { ...started, rpcPort, p2pPort, rpcUrl: rpcUrlFor(rpcPort) };
    } catch (error) {
      // Another program can take a free port between our check and Besu's bind: try other ones.
      if (!(error instanceof PortTakenError) || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

async function spawnAndWait(
  files: BesuNodeFiles,
  rpcPort: number,
  p2pPort: number,
  chainId: number,
  options: BesuLaunchOptions,
): Promise<{ child: ChildProcess; pid: number }> {
  const logFd = openLog(files.logPath);
  const logOffset = statSync(files.logPath).size;
  let child: ChildProcess;
  try {
    child = spawn(options.besuPath, [files.configArgument], {
      cwd: files.dir,
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
  await files.writeProcess(pid, rpcPort, p2pPort);

  const rpcUrl = rpcUrlFor(rpcPort);
  const deadline = Date.now() + options.readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await files.clearPid();
      const output = await readLogFrom(files.logPath, logOffset);
      if (/already in use/i.test(output)) throw new PortTakenError(output);
      throw new Error(`besu exited (${child.exitCode ?? child.signalCode}) before serving: ${output || 'no output'}`);
    }
    if (await answersChainId(rpcUrl, chainId, 250)) return { child, pid };
    await sleep(100);
  }
  await terminateProcess(pid, { timeoutMs: 5_000, child });
  await files.clearPid();
  throw new Error(`besu did not answer on ${rpcUrl} within ${options.readyTimeoutMs} ms`);
}

export async function answersChainId(rpcUrl: string, chainId: number, timeoutMs = 1_000): Promise<boolean> {
  try {
    const id = await callJsonRpc(rpcUrl, 'eth_chainId', [], timeoutMs);
    return typeof id === 'string' && Number(id) === chainId;
  } catch {
    return false;
  }
}

/** `admin_nodeInfo`, checked: undefined when the node does not answer or answers something that is not an enode. */
export async function readNodeInfo(rpcUrl: string): Promise<BesuNodeInfo | undefined> {
  let info: unknown;
  try {
    info = await callJsonRpc(rpcUrl, 'admin_nodeInfo', [], 1_000);
  } catch {
    return undefined;
  }
  const reported = (info as { enode?: unknown } | null)?.enode;
  if (typeof reported !== 'string') return undefined;
  try {
    const enode = parseEnode(reported, 'admin_nodeInfo.enode');
    const { nodeId, address } = nodeIdentityOfNodeId(enode.nodeId);
    return { enode: formatEnode(enode), nodeId, nodeAddress: address };
  } catch {
    return undefined;
  }
}

/**
 * What a recorded pid is now. `serving`: this node's Besu (its command line names this node's config file),
 * answering with the network's chain id. `hung`: ours but not answering. `foreign`: alive but not shown to be ours
 * (pid reuse, or no /proc to check), so it must not be signalled. `gone`: no such process.
 */
export type RecordedProcessState = 'serving' | 'hung' | 'foreign' | 'gone';

export async function inspectRecordedBesu(
  pid: number,
  rpcPort: number | undefined,
  chainId: number,
  files: BesuNodeFiles,
): Promise<RecordedProcessState> {
  if (!isProcessAlive(pid)) return 'gone';
  const commandLine = readCommandLine(pid);
  const namesOurConfig = commandLine?.includes(files.configArgument);
  if (namesOurConfig === false) return 'foreign';
  const answers = rpcPort !== undefined && (await answersChainId(rpcUrlFor(rpcPort), chainId));
  if (answers && (namesOurConfig === true || commandLine === undefined)) return 'serving';
  return namesOurConfig === true ? 'hung' : 'foreign';
}

export async function stopBesu(process: SupervisedProcess, files: BesuNodeFiles, timeoutMs: number): Promise<void> {
  await terminateProcess(process.pid, { timeoutMs, ...(process.child && { child: process.child }) });
  await files.clearPid();
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

/** The node's previous port when it is free, so its URL and enode survive restarts; any other free port otherwise. */
async function choosePort(preferred: number | undefined, taken: readonly number[]): Promise<number> {
  if (preferred !== undefined && !taken.includes(preferred) && (await isPortFree(preferred))) return preferred;
  for (;;) {
    const port = await freePort();
    if (!taken.includes(port)) return port;
  }
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
