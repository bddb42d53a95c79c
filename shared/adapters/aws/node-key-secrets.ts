/**
 * Names and tags of the Secrets Manager secrets that hold EC2 nodes' Besu node keys, shared by the control plane
 * (which makes the key before the first launch and tags the secret with the instance allowed to read it) and the
 * infrastructure (whose node role may read a secret only when its instance tag names the calling instance, and
 * whose boot script fetches it).
 */

/** `carechain/<stage>/node-keys/`: every node-key secret of a stage, and nothing else, starts with it. */
export function nodeKeySecretPrefix(stage: string): string {
  return `carechain/${stage}/node-keys/`;
}

export function nodeKeySecretName(prefix: string, nodeId: string): string {
  return `${prefix}${nodeId}`;
}

/** The tag naming the one instance (its ARN) that may read the secret: the node's current instance. */
export const NODE_KEY_INSTANCE_TAG = 'carechain:instance';
/** Public facts about the key, kept as tags so nobody needs to read the secret to know them. */
export const NODE_KEY_ADDRESS_TAG = 'carechain:node-address';
export const NODE_KEY_ID_TAG = 'carechain:node-key-id';
