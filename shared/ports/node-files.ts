/**
 * Where a managed node's files go before its machine boots, and how its static-nodes list is kept current
 * afterwards. In AWS both are the fleet's configuration bucket, read by the instance's boot script and by Besu's
 * service before every start; locally a Besu node's files are written straight into its directory.
 */
import type { NodeArtifacts } from './node-provider.ts';

/** Publishes a node's files (genesis, Besu configuration, static nodes) before its instance launches. */
export interface NodeFilePublisher {
  publish(nodeId: string, artifacts: NodeArtifacts): Promise<void>;
}

/** Rewrites a node's static-nodes list alone, where its Besu reads it before every start. */
export interface StaticNodesPublisher {
  publishStaticNodes(nodeId: string, staticNodesJson: string): Promise<void>;
}

/**
 * Writes the node's Besu release file (version, SHA-256, flags) where its instance's boot reads it before every
 * start of Besu (shared/adapters/aws/besu-release-boot.ts).
 */
export interface NodeReleasePublisher {
  publishRelease(nodeId: string, releaseFile: string): Promise<void>;
}
