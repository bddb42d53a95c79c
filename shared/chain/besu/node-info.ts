/**
 * What a Besu node says about itself (`admin_nodeInfo`, served on its private JSON-RPC interface to the control
 * plane only): its enode and, from the enode's public key, the address it signs blocks with as a validator.
 * Whatever runs the node (a local process, an EC2 instance), the enode shown for it is the one it reports, never
 * one the control plane put together.
 */
import { callJsonRpc } from '../json-rpc-call.ts';
import { formatEnode, parseEnode } from './enode.ts';
import { nodeIdentityOfNodeId } from './node-key.ts';

export interface BesuNodeInfo {
  readonly enode: string;
  /** The enode's node id: the node key's public key, 128 lower-case hex characters. */
  readonly nodeId: string;
  /** The address of the node key (the key Besu signs blocks with when the node is a validator). */
  readonly nodeAddress: string;
}

/** `admin_nodeInfo`, checked: undefined when the node does not answer or answers something that is not an enode. */
export async function readNodeInfo(rpcUrl: string, timeoutMs = 1_000): Promise<BesuNodeInfo | undefined> {
  let info: unknown;
  try {
    info = await callJsonRpc(rpcUrl, 'admin_nodeInfo', [], timeoutMs);
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
