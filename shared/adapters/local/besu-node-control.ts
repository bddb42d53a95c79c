/**
 * What the local Besu provider does to one node beyond starting it: its serving flag, a restart on another Besu
 * release (a rolling upgrade's step), a backup of its data directory (stop, archive without the key, start), and
 * the check that a genesis handed in is the network's.
 */

import { callJsonRpc } from '../../chain/json-rpc-call.ts';
import type { BesuRelease } from '../../domain/besu-release.ts';
import type { Network } from '../../domain/network.ts';
import { ServiceUnavailableError, ValidationError } from '../../errors.ts';
import type { NodeBackup } from '../../ports/node-provider.ts';
import { archiveDataDir } from './besu-data-archive.ts';
import type { BesuNode } from './besu-node.ts';
import { answersChainId } from './besu-node-launcher.ts';

/** A genesis handed in as an artifact must be the network's chain, or the node would join another chain. */
export function assertGenesisOf(network: Network, genesis: string): void {
  let chainId: unknown;
  try {
    chainId = (JSON.parse(genesis) as { config?: { chainId?: unknown } }).config?.chainId;
  } catch (error) {
    throw new ValidationError('The genesis file is not JSON', [], { cause: error });
  }
  if (chainId !== network.chainId) {
    throw new ValidationError(`The genesis file is for chain id ${String(chainId)}, not ${network.chainId}`);
  }
}

export async function setServing(node: BesuNode, serving: boolean): Promise<void> {
  if (node.registration.serving === serving) return;
  node.registration = { ...node.registration, serving };
  await node.files.writeRegistration(node.registration);
}

export async function runNode(node: BesuNode): Promise<void> {
  try {
    await node.ensureRunning();
  } catch (error) {
    throw nodeUnavailable(node, error);
  }
}

export function nodeUnavailable(node: BesuNode, error: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError(`Besu node ${node.nodeId} could not be started: ${(error as Error).message}`, {
    cause: error,
  });
}

/** Restarts the node on `release` with `flags`; its registration keeps them for every later start. */
export async function restartOnRelease(
  node: BesuNode,
  release: BesuRelease | undefined,
  flags: readonly string[],
): Promise<void> {
  const { release: _release, flags: _flags, ...rest } = node.registration;
  node.registration = {
    ...rest,
    serving: true,
    ...(release && { release }),
    ...(flags.length > 0 && { flags: [...flags] }),
  };
  await node.files.writeRegistration(node.registration);
  try {
    await node.restart();
  } catch (error) {
    throw nodeUnavailable(node, error);
  }
}

/**
 * Stops the node (so its database is at rest), archives its data directory without the key, and starts it again,
 * whether or not the archive could be written. The head it had is the backup's block number.
 */
export async function backupBesuNode(node: BesuNode, archivePath: string): Promise<NodeBackup> {
  const url = node.process?.rpcUrl;
  if (!url || !(await answersChainId(url, node.chainId))) {
    throw new ServiceUnavailableError(`Besu node ${node.nodeId} does not serve: a backup needs a running node`);
  }
  const head = Number(await callJsonRpc(url, 'eth_blockNumber', []));
  await node.stop();
  try {
    const sizeBytes = await archiveDataDir(node.files.dataPath, archivePath);
    return { kind: 'archive', ref: archivePath, sizeBytes, ...(Number.isSafeInteger(head) && { blockNumber: head }) };
  } finally {
    await runNode(node);
  }
}
