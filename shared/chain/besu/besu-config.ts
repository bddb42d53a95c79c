/**
 * A node's Besu configuration file (`besu --config-file=config.toml`) and its static-nodes.json.
 * Option names and defaults are Besu's CLI reference; the ones that matter here:
 * - `min-gas-price=0` on every node of a free-gas network: a node with a higher minimum silently drops
 *   zero-priced transactions ("Configure free gas networks").
 * - `sync-mode="FULL"`: BFT networks need full (or fast) sync, and `profile="ENTERPRISE"` brings Besu's settings
 *   for private networks (sequenced transaction pool, sync from one peer, storage format).
 * - JSON-RPC serves ETH, NET, WEB3 and the consensus API (QBFT, IBFT or CLIQUE), plus ADMIN so the control plane
 *   can read `admin_nodeInfo`; ADMIN is only allowed on a loopback or private address, never on a public or
 *   wildcard one. `host-allowlist` names the hosts that may call it.
 */
import type { ConsensusProtocol, Network } from '../../domain/network.ts';
import type { NodeRecord } from '../../domain/node.ts';
import { ValidationError } from '../../errors.ts';
import { normalisedEnodes } from './enode.ts';
import { renderToml } from './toml-writer.ts';

export const DEFAULT_P2P_PORT = 30_303;
export const DEFAULT_RPC_HTTP_PORT = 8545;
export const DEFAULT_METRICS_PORT = 9545;

export type ConfigNetwork = Pick<Network, 'id' | 'name' | 'chainId' | 'consensus' | 'bootnodes'>;
export type ConfigNode = Pick<NodeRecord, 'id' | 'name' | 'networkId' | 'role'>;

export interface BesuConfigOptions {
  /** Database and node key directory, relative to where Besu is started. @default 'data' */
  readonly dataPath?: string;
  /** @default 'genesis.json' */
  readonly genesisFile?: string;
  /** @default 'static-nodes.json' */
  readonly staticNodesFile?: string;
  /** Address other nodes dial to reach this one (`p2p-host`). @default left to Besu's NAT detection */
  readonly p2pHost?: string;
  /** @default 30303 */
  readonly p2pPort?: number;
  /** Interface JSON-RPC listens on; must be loopback or private while ADMIN is on. @default '127.0.0.1' */
  readonly rpcHttpHost?: string;
  /** @default 8545 */
  readonly rpcHttpPort?: number;
  /** Serve the ADMIN API (the control plane reads `admin_nodeInfo`). @default true */
  readonly adminApi?: boolean;
  /** Prometheus endpoint, or false for none. @default { host: '127.0.0.1', port: 9545 } */
  readonly metrics?: { readonly host: string; readonly port: number } | false;
  /** @default the network's bootnodes */
  readonly bootnodes?: readonly string[];
}

const CONSENSUS_API: Readonly<Record<ConsensusProtocol, string>> = { qbft: 'QBFT', ibft2: 'IBFT', clique: 'CLIQUE' };
/** How people write each protocol's name. */
export const CONSENSUS_NAME: Readonly<Record<ConsensusProtocol, string>> = {
  qbft: 'QBFT',
  ibft2: 'IBFT 2.0',
  clique: 'Clique',
};

/** The JSON-RPC APIs a node serves on its (private) HTTP interface. */
export function rpcApis(consensus: ConsensusProtocol, adminApi = true): string[] {
  return ['ETH', 'NET', 'WEB3', CONSENSUS_API[consensus], ...(adminApi ? ['ADMIN'] : [])];
}

/** @throws ValidationError for a node of another network, a bad port or enode, or ADMIN on a public interface */
export function besuConfigToml(network: ConfigNetwork, node: ConfigNode, options: BesuConfigOptions = {}): string {
  if (node.networkId !== network.id) {
    throw new ValidationError(`Node ${node.id} belongs to network ${node.networkId}, not ${network.id}`, [
      { path: 'networkId', message: 'other network' },
    ]);
  }
  const rpcHttpHost = checkedHost(options.rpcHttpHost ?? '127.0.0.1', 'rpcHttpHost');
  const adminApi = options.adminApi ?? true;
  if (adminApi && !isPrivateHost(rpcHttpHost)) {
    throw new ValidationError(`The ADMIN API must not listen on ${rpcHttpHost}: use a loopback or private address`, [
      { path: 'rpcHttpHost', message: 'not loopback or private' },
    ]);
  }
  const metrics = options.metrics ?? { host: '127.0.0.1', port: DEFAULT_METRICS_PORT };
  return renderToml([
    {
      comment: [
        `Besu configuration for node "${node.name}" (${node.id}, ${node.role})`,
        `on CareChain network "${network.name}" (chain id ${network.chainId}, ${CONSENSUS_NAME[network.consensus]}).`,
        'Each key is a Besu command-line option without its leading "--".',
      ].join('\n'),
      entries: [
        ['genesis-file', options.genesisFile ?? 'genesis.json'],
        ['network-id', network.chainId],
        ['data-path', options.dataPath ?? 'data'],
        ['profile', 'ENTERPRISE'],
        ['sync-mode', 'FULL'],
        ['min-gas-price', 0],
      ],
    },
    {
      comment: 'Peers',
      entries: [
        ['p2p-host', options.p2pHost === undefined ? undefined : checkedHost(options.p2pHost, 'p2pHost')],
        ['p2p-port', checkedPort(options.p2pPort ?? DEFAULT_P2P_PORT, 'p2pPort')],
        ['bootnodes', normalisedEnodes(options.bootnodes ?? network.bootnodes, 'bootnodes')],
        ['static-nodes-file', options.staticNodesFile ?? 'static-nodes.json'],
      ],
    },
    {
      comment: 'JSON-RPC over HTTP, for this machine (or the private network) only',
      entries: [
        ['rpc-http-enabled', true],
        ['rpc-http-host', rpcHttpHost],
        ['rpc-http-port', checkedPort(options.rpcHttpPort ?? DEFAULT_RPC_HTTP_PORT, 'rpcHttpPort')],
        ['rpc-http-api', rpcApis(network.consensus, adminApi)],
        ['host-allowlist', hostAllowlist(rpcHttpHost)],
      ],
    },
    {
      comment: 'Prometheus metrics',
      entries: metrics
        ? [
            ['metrics-enabled', true],
            ['metrics-host', checkedHost(metrics.host, 'metrics.host')],
            ['metrics-port', checkedPort(metrics.port, 'metrics.port')],
          ]
        : [['metrics-enabled', false]],
    },
  ]);
}

/** static-nodes.json: a JSON array of enode URLs. */
export function staticNodesJson(enodes: readonly string[]): string {
  return `${JSON.stringify(normalisedEnodes(enodes, 'staticNodes'), null, 2)}\n`;
}

/** Hosts whose requests Besu answers: the local names, and the listening address when it is a specific one. */
function hostAllowlist(rpcHttpHost: string): string[] {
  const hosts = ['localhost', '127.0.0.1'];
  if (!hosts.includes(rpcHttpHost) && !isWildcard(rpcHttpHost)) hosts.push(rpcHttpHost);
  return hosts;
}

/** Loopback, RFC 1918 and IPv6 unique-local addresses; never a wildcard or a public address. */
export function isPrivateHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  if (/^f[cd][0-9a-f]{2}:/.test(bare)) return true;
  const octets = bare.split('.');
  if (octets.length !== 4 || !octets.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return false;
  const [a, b] = octets.map(Number) as [number, number, number, number];
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** A host name or IP address; Besu takes nothing else, and anything else is a mistake worth naming. */
function checkedHost(host: string, path: string): string {
  if (!/^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:]*:[0-9a-fA-F:.]*|[A-Za-z0-9.-]+)$/.test(host) || host.length > 253) {
    throw new ValidationError(`${path} must be a host name or IP address`, [{ path, message: 'invalid host' }]);
  }
  return host;
}

function checkedPort(port: number, path: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new ValidationError(`${path} must be a TCP port from 1 to 65535`, [{ path, message: 'invalid port' }]);
  }
  return port;
}
