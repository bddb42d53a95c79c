/**
 * Starting, recognising and stopping one local Besu node's process. Before each start the node's config.toml and
 * static-nodes.json are rendered again by the pure generators (shared/chain/besu/) with the ports of that start
 * and the enodes of the network's other local nodes. The process is spawned detached, its output in a file rather
 * than a pipe, so it outlives a control plane killed with -9 and can be re-adopted. The executable itself is found
 * on the PATH (`findBesuOnPath`).
 */
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { besuConfigToml, type ConfigNetwork, type ConfigNode, staticNodesJson } from '../../chain/besu/besu-config.ts';
import { callJsonRpc } from '../../chain/json-rpc-call.ts';
import type { BesuRelease } from '../../domain/besu-release.ts';
import type { BesuNodeFiles } from './besu-node-files.ts';
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
  /** The release the node runs; absent: the `besu` on the PATH. */
  readonly release?: BesuRelease;
  /** Options added to the command line (compatibility flags of a rolling upgrade). */
  readonly flags?: readonly string[];
}

export interface BesuLaunchOptions {
  /** The executable of a release (installed on first use), or the PATH's `besu` for none. */
  readonly executable: (release: BesuRelease | undefined) => Promise<string>;
  /** How long a starting node may take to answer (the JVM and database open take seconds). */
  readonly readyTimeoutMs: number;
}

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
  const command = await options.executable(plan.release);
  const recorded = await files.readProcess();
  for (let attempt = 1; ; attempt += 1) {
    const rpcPort = await choosePort(attempt === 1 ? recorded.rpcPort : undefined, []);
    const p2pPort = await choosePort(attempt === 1 ? recorded.p2pPort : undefined, [rpcPort]);
    const peers = await plan.peers();
    await files.write(files.staticNodesPath, staticNodesJson(peers));
    await files.write(files.configPath, renderBesuConfig(plan, files, { rpcPort, p2pPort }, peers));
    try {
      const started = await spawnAndWait(
        files,
        { command, flags: plan.flags ?? [] },
        rpcPort,
        p2pPort,
        plan.network.chainId,
        options,
      );
      return { ...started, rpcPort, p2pPort, rpcUrl: rpcUrlFor(rpcPort) };
    } catch (error) {
      // Another program can take a free port between our check and Besu's bind: try other ones.
      if (!(error instanceof PortTakenError) || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

function spawnAndWait(
  files: BesuNodeFiles,
  run: { readonly command: string; readonly flags: readonly string[] },
  rpcPort: number,
  p2pPort: number,
  chainId: number,
  options: BesuLaunchOptions,
): Promise<{ child: ChildProcess; pid: number }> {
  return spawnDetached({
    name: 'besu',
    command: run.command,
    args: [files.configArgument, ...run.flags],
    cwd: files.dir,
    logPath: files.logPath,
    recordPid: (pid) => files.writeProcess(pid, rpcPort, p2pPort),
    clearPid: () => files.clearPid(),
    ready: () => answersChainId(rpcUrlFor(rpcPort), chainId, 250),
    readyTimeoutMs: options.readyTimeoutMs,
    pollMs: 100,
    giveUpStopMs: 5_000,
  });
}

export async function answersChainId(rpcUrl: string, chainId: number, timeoutMs = 1_000): Promise<boolean> {
  try {
    const id = await callJsonRpc(rpcUrl, 'eth_chainId', [], timeoutMs);
    return typeof id === 'string' && Number(id) === chainId;
  } catch {
    return false;
  }
}

/** What a recorded pid is now: this node's Besu when its command line names this node's config file. */
export async function inspectRecordedBesu(
  pid: number,
  rpcPort: number | undefined,
  chainId: number,
  files: BesuNodeFiles,
): Promise<RecordedProcessState> {
  return inspectRecordedPid(
    pid,
    files.configArgument,
    async () => rpcPort !== undefined && (await answersChainId(rpcUrlFor(rpcPort), chainId)),
  );
}

export async function stopBesu(process: SupervisedProcess, files: BesuNodeFiles, timeoutMs: number): Promise<void> {
  await stopRecorded(process, files, timeoutMs);
}

/**
 * The absolute path of an executable `besu` in the PATH of `env`, or undefined. Looks at the directories
 * itself (no shell); relative PATH entries are skipped, since they depend on the working directory.
 */
export function findBesuOnPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir.length === 0 || !isAbsolute(dir)) continue;
    const candidate = join(dir, 'besu');
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return resolve(candidate);
    } catch {
      // Not there, or not executable by us: keep looking further down the PATH, as a shell would.
    }
  }
  return undefined;
}
