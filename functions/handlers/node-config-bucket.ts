/**
 * What a managed EC2 node reads at boot, and where. The fleet's launch template (infra/constructs/
 * besu-bootstrap.ts) copies `nodes/<nodeId>/genesis.json`, `config.toml` and `static-nodes.json` from the node
 * configuration bucket to /etc/besu and /var/lib/besu, then starts Besu with machine settings (listening
 * addresses, RPC APIs) on its command line, which override the same keys in config.toml.
 *
 * The files are the ones a self-hosted member gets in a join bundle, with the paths of the fleet image.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { NodeFilePublisher } from '../../shared/adapters/aws/ec2-node-provider.ts';
import { besuConfigToml, staticNodesJson } from '../../shared/chain/besu/besu-config.ts';
import { genesisJson } from '../../shared/chain/besu/genesis.ts';
import type { Network } from '../../shared/domain/network.ts';
import type { NodeRecord } from '../../shared/domain/node.ts';
import type { NodeArtifacts } from '../../shared/ports/node-provider.ts';

/** Where the bootstrap puts each file on the instance. */
export const FLEET_NODE_PATHS = {
  genesis: '/etc/besu/genesis.json',
  dataPath: '/var/lib/besu',
  staticNodes: '/var/lib/besu/static-nodes.json',
} as const;

export function fleetNodeArtifacts(node: NodeRecord, network: Network): NodeArtifacts {
  return {
    genesisJson: genesisJson(network),
    besuConfigToml: besuConfigToml(network, node, {
      genesisFile: FLEET_NODE_PATHS.genesis,
      dataPath: FLEET_NODE_PATHS.dataPath,
      staticNodesFile: FLEET_NODE_PATHS.staticNodes,
    }),
    // Always written, empty or not, so the file the configuration names exists.
    staticNodesJson: staticNodesJson(network.bootnodes),
  };
}

/** Key of one of a node's files in the bucket. */
export function nodeFileKey(nodeId: string, file: 'genesis.json' | 'config.toml' | 'static-nodes.json'): string {
  return `nodes/${nodeId}/${file}`;
}

/** Writes a node's files to the bucket; rewriting them is harmless (the bucket keeps earlier versions). */
export class S3NodeFiles implements NodeFilePublisher {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  /** Rewrites a node's static nodes alone; its Besu fetches them before every start. */
  async publishStaticNodes(nodeId: string, staticNodesJson: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: nodeFileKey(nodeId, 'static-nodes.json'),
        Body: staticNodesJson,
        ContentType: 'application/json',
      }),
    );
  }

  async publish(nodeId: string, artifacts: NodeArtifacts): Promise<void> {
    const files = [
      { key: nodeFileKey(nodeId, 'genesis.json'), body: artifacts.genesisJson, type: 'application/json' },
      { key: nodeFileKey(nodeId, 'config.toml'), body: artifacts.besuConfigToml, type: 'application/toml' },
      ...(artifacts.staticNodesJson === undefined
        ? []
        : [
            {
              key: nodeFileKey(nodeId, 'static-nodes.json'),
              body: artifacts.staticNodesJson,
              type: 'application/json',
            },
          ]),
    ];
    await Promise.all(
      files.map((file) =>
        this.s3.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: file.key, Body: file.body, ContentType: file.type }),
        ),
      ),
    );
  }
}
