/**
 * What a supervised local Besu node reports to the reconciler and the health monitor: its status (from its
 * supervisor and its serving flag) and its description, read from the node itself (chain id, enode, validators).
 */
import { readNodeInfo } from '../../chain/besu/node-info.ts';
import type { NodeDescription, ProviderNodeStatus } from '../../ports/node-provider.ts';
import type { BesuNode } from './besu-node.ts';
import { answersChainId } from './besu-node-launcher.ts';
import { validatorSetDetail } from './besu-validator-detail.ts';

const SUPERVISED_STATUS: Record<BesuNode['status'], ProviderNodeStatus> = {
  running: 'running',
  starting: 'pending',
  backoff: 'pending',
  stopping: 'stopping',
  stopped: 'stopped',
  failed: 'failed',
};

export function supervisedStatus(node: BesuNode): ProviderNodeStatus {
  return node.registration.serving ? SUPERVISED_STATUS[node.status] : 'stopped';
}

export async function describeNode(node: BesuNode): Promise<NodeDescription> {
  const status = supervisedStatus(node);
  const running = node.process;
  if (status !== 'running' || !running) {
    const reason =
      status === 'stopped'
        ? 'Stopped.'
        : status === 'failed'
          ? `The node's Besu process is down: ${node.detail ?? 'unknown reason'}.`
          : 'The node’s Besu process is starting.';
    return { status, sharedChain: false, detail: reason };
  }
  if (!(await answersChainId(running.rpcUrl, node.chainId))) {
    return {
      status: 'pending',
      sharedChain: false,
      p2pPort: running.p2pPort,
      detail: `The node's Besu process runs but does not answer eth_chainId with chain id ${node.chainId}.`,
    };
  }
  const info = await readNodeInfo(running.rpcUrl);
  const validators = info && (await validatorSetDetail(running.rpcUrl, node.registration.network.consensus, info));
  return {
    status: 'running',
    rpcUrl: running.rpcUrl,
    p2pPort: running.p2pPort,
    ...(info && { enode: info.enode, validatorAddress: info.nodeAddress }),
    sharedChain: false,
    detail: [
      'Its own Besu process, peering with the network’s other local nodes.',
      ...(info ? [validators] : ['The node did not report its enode (admin_nodeInfo).']),
    ].join(' '),
  };
}
