/**
 * The join bundle a member downloads to run a self-hosted node (docs/architecture.md, "Node lifecycle"): the network's
 * genesis, its static nodes, a Besu config for this node and the one command that starts it, with a README.
 * All paths in the config are relative and the command is run from the bundle folder, so the bundle works
 * wherever it is unpacked, laptop included.
 */
import type { Network } from '../../domain/network.ts';
import type { NodeRecord } from '../../domain/node.ts';
import { InvalidStateError, ValidationError } from '../../errors.ts';
import {
  besuConfigToml,
  CONSENSUS_NAME,
  type ConfigNetwork,
  type ConfigNode,
  DEFAULT_P2P_PORT,
  DEFAULT_RPC_HTTP_PORT,
  staticNodesJson,
} from './besu-config.ts';
import { type GenesisNetwork, genesisJson } from './genesis.ts';

export const JOIN_BUNDLE_FILES = {
  genesis: 'genesis.json',
  staticNodes: 'static-nodes.json',
  config: 'config.toml',
  readme: 'README.md',
} as const;
export const JOIN_BUNDLE_DATA_PATH = 'data';

export type BundleNetwork = GenesisNetwork & ConfigNetwork & Pick<Network, 'status'>;
export type BundleNode = ConfigNode & Pick<NodeRecord, 'hosting'>;

export interface JoinBundleOptions {
  /** Public address of the member's machine, if it accepts inbound peers. @default Besu's NAT detection */
  readonly p2pHost?: string;
  /** @default 30303 */
  readonly p2pPort?: number;
  /** @default 8545 */
  readonly rpcHttpPort?: number;
  /** enode URLs the node always keeps connected. @default the network's bootnodes */
  readonly staticNodes?: readonly string[];
}

export interface JoinBundle {
  readonly genesisJson: string;
  readonly staticNodesJson: string;
  readonly configToml: string;
  /** Run from the bundle folder. */
  readonly startCommand: string;
  readonly readme: string;
  /** Every file of the bundle, by its name in the bundle folder. */
  readonly files: Readonly<Record<string, string>>;
}

/**
 * @throws ValidationError for a managed node, a node of another network, or bad options
 * @throws InvalidStateError when the network is retired
 */
export function joinBundle(network: BundleNetwork, node: BundleNode, options: JoinBundleOptions = {}): JoinBundle {
  if (node.hosting !== 'self-hosted') {
    throw new ValidationError('Join bundles are for self-hosted nodes; CareChain configures managed nodes itself', [
      { path: 'hosting', message: 'not self-hosted' },
    ]);
  }
  if (network.status !== 'active') {
    throw new InvalidStateError(`Network ${network.name} is retired and accepts no new nodes`);
  }
  const p2pPort = options.p2pPort ?? DEFAULT_P2P_PORT;
  const rpcHttpPort = options.rpcHttpPort ?? DEFAULT_RPC_HTTP_PORT;
  const configToml = besuConfigToml(network, node, {
    dataPath: JOIN_BUNDLE_DATA_PATH,
    genesisFile: JOIN_BUNDLE_FILES.genesis,
    staticNodesFile: JOIN_BUNDLE_FILES.staticNodes,
    ...(options.p2pHost === undefined ? {} : { p2pHost: options.p2pHost }),
    p2pPort,
    rpcHttpHost: '127.0.0.1',
    rpcHttpPort,
  });
  const startCommand = `besu --config-file=${JOIN_BUNDLE_FILES.config}`;
  const files = {
    [JOIN_BUNDLE_FILES.genesis]: genesisJson(network),
    [JOIN_BUNDLE_FILES.staticNodes]: staticNodesJson(options.staticNodes ?? network.bootnodes),
    [JOIN_BUNDLE_FILES.config]: configToml,
    [JOIN_BUNDLE_FILES.readme]: readme(network, node, { startCommand, p2pPort, rpcHttpPort }),
  };
  return {
    genesisJson: files[JOIN_BUNDLE_FILES.genesis]!,
    staticNodesJson: files[JOIN_BUNDLE_FILES.staticNodes]!,
    configToml,
    startCommand,
    readme: files[JOIN_BUNDLE_FILES.readme]!,
    files,
  };
}

function readme(
  network: BundleNetwork,
  node: BundleNode,
  run: { startCommand: string; p2pPort: number; rpcHttpPort: number },
): string {
  const rpc = `http://127.0.0.1:${run.rpcHttpPort}`;
  const validatorSteps =
    node.role === 'validator'
      ? [
          '',
          'This is a validator node. It signs blocks only once the consortium has voted its validator address in:',
          'propose "add validator" for that address under the network\'s governance in the console.',
        ]
      : [];
  return [
    `# Join CareChain network "${network.name}"`,
    '',
    `This bundle runs node "${node.name}" (${node.id}), a ${node.role} node on chain id ${network.chainId}`,
    `(${CONSENSUS_NAME[network.consensus]} consensus, free gas: transactions need no balance).`,
    '',
    '## Files',
    '',
    `- \`${JOIN_BUNDLE_FILES.genesis}\`: the network's genesis block. Do not edit it: a different genesis is a different chain.`,
    `- \`${JOIN_BUNDLE_FILES.staticNodes}\`: peers the node keeps connected to.`,
    `- \`${JOIN_BUNDLE_FILES.config}\`: the node's Besu options.`,
    '',
    '## Start',
    '',
    '1. Install Hyperledger Besu (it needs Java 21 or later).',
    `2. Let other nodes reach port ${run.p2pPort} over TCP and UDP if you can; outbound connections alone also work.`,
    '3. In this folder, run:',
    '',
    `       ${run.startCommand}`,
    '',
    `Besu keeps its database and node key in \`./${JOIN_BUNDLE_DATA_PATH}\`. The key file \`${JOIN_BUNDLE_DATA_PATH}/key\``,
    "is the node's identity (and a validator's signing key): it never leaves this machine; back it up.",
    '',
    '## Register the node',
    '',
    'Once it runs, read its enode URL and its address and enter them for this node in the CareChain console:',
    '',
    `       curl -s -X POST -H 'content-type: application/json' --data '{"jsonrpc":"2.0","method":"net_enode","params":[],"id":1}' ${rpc}`,
    `       besu --data-path=${JOIN_BUNDLE_DATA_PATH} public-key export-address`,
    ...validatorSteps,
    '',
    '## Security',
    '',
    `JSON-RPC, including the ADMIN API, listens on 127.0.0.1:${run.rpcHttpPort} only. Do not forward that port;`,
    'if CareChain should monitor the node, expose it through an authenticating proxy and give the console its URL.',
    '',
  ].join('\n');
}
