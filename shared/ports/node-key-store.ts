/**
 * Where the node keys of nodes on machines the control plane does not keep live live between machines: made once
 * per node before its first start (a QBFT genesis or a validator vote names the key's address, so it must not
 * change), handed to whichever machine runs the node now, and removed with the node. The key itself never comes
 * back to the control plane; it knows only the public identity.
 */
import type { NodeKeyIdentity } from '../domain/node.ts';

export interface NodeKeyOwner {
  readonly id: string;
  readonly orgId: string;
  readonly networkId: string;
}

export interface NodeKeyStore {
  /** The node's key identity, making and storing the key first when the node has none. Idempotent. */
  ensure(node: NodeKeyOwner): Promise<NodeKeyIdentity>;
  /** The node's key identity when it has a key (not one being deleted); nothing is made. */
  find(nodeId: string): Promise<NodeKeyIdentity | undefined>;
  /** Lets exactly this machine (its ARN) read the node's key from now on; the previous one no longer can. */
  assignTo(nodeId: string, machineArn: string): Promise<void>;
  /** Removes the node's key (recoverable for a few days where the store allows it). Idempotent. */
  remove(nodeId: string): Promise<void>;
}
