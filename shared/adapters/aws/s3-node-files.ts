/**
 * A managed EC2 node's files in the node configuration bucket, where the fleet's launch-template bootstrap
 * (infra/constructs/besu-bootstrap.ts) fetches them at boot: `nodes/<nodeId>/genesis.json`, `config.toml` and
 * `static-nodes.json`, rendered for the instance's paths by `fleetNodeArtifacts` (besu-service.ts). Besu's
 * service fetches `static-nodes.json` again before every start, so rewriting it is how peers change, and
 * `besu-release.env` (besu-release-boot.ts), so rewriting it and rebooting is how its Besu release changes.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { NodeFilePublisher, NodeReleasePublisher, StaticNodesPublisher } from '../../ports/node-files.ts';
import type { NodeArtifacts } from '../../ports/node-provider.ts';

/** The folder of a node's files in the bucket; the boot script passes `$NODE_ID`. */
export function nodeFilesFolder(nodeId: string): string {
  return `nodes/${nodeId}`;
}

/** Key of one of a node's files in the bucket. */
export function nodeFileKey(
  nodeId: string,
  file: 'genesis.json' | 'config.toml' | 'static-nodes.json' | 'besu-release.env',
): string {
  return `${nodeFilesFolder(nodeId)}/${file}`;
}

/** Writes a node's files to the bucket; rewriting them is harmless (the bucket keeps earlier versions). */
export class S3NodeFiles implements NodeFilePublisher, StaticNodesPublisher, NodeReleasePublisher {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  /** Rewrites a node's static nodes alone; its Besu fetches them before every start. */
  async publishStaticNodes(nodeId: string, staticNodesJson: string): Promise<void> {
    await this.#put(nodeFileKey(nodeId, 'static-nodes.json'), staticNodesJson, 'application/json');
  }

  /** Rewrites the node's Besu release file; the release step reads it before Besu's next start. */
  async publishRelease(nodeId: string, releaseFile: string): Promise<void> {
    await this.#put(nodeFileKey(nodeId, 'besu-release.env'), releaseFile, 'text/plain');
  }

  async publish(nodeId: string, artifacts: NodeArtifacts): Promise<void> {
    await Promise.all([
      this.#put(nodeFileKey(nodeId, 'genesis.json'), artifacts.genesisJson, 'application/json'),
      this.#put(nodeFileKey(nodeId, 'config.toml'), artifacts.besuConfigToml, 'application/toml'),
      ...(artifacts.staticNodesJson === undefined
        ? []
        : [this.#put(nodeFileKey(nodeId, 'static-nodes.json'), artifacts.staticNodesJson, 'application/json')]),
    ]);
  }

  async #put(key: string, body: string, contentType: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }
}
