/**
 * A managed node's Besu on its EC2 instance, written down once: where its files live, the systemd unit that runs
 * it and the shell lines that install that unit. Both boot scripts use it, the fleet's launch-template bootstrap
 * (infra/constructs/besu-bootstrap.ts, what the stack deploys) and the user data the EC2 node provider renders
 * when it has no configuration bucket, so a node is the same service whichever way its files arrived.
 *
 * What differs between the two is a parameter, never a second copy:
 * - `heapGiB`: the launch templates size the Java heap per node size; without it Besu's default applies;
 * - `staticNodesFrom`: with a configuration bucket, a drop-in has Besu fetch its current static nodes before
 *   every start (the control plane keeps that list current); user data writes the list once instead.
 *
 * Settings that belong to the machine (data path, listening addresses, ports, RPC APIs) are on the command line
 * and override the same keys in config.toml; the advertised address (BESU_P2P_HOST, Besu reads every option from
 * a BESU_ variable) and the heap are the instance's, so they go to an environment file the boot script writes.
 */
import { besuConfigToml, staticNodesJson } from '../../chain/besu/besu-config.ts';
import { genesisJson } from '../../chain/besu/genesis.ts';
import type { Network } from '../../domain/network.ts';
import type { NodeRecord } from '../../domain/node.ts';
import type { NodeArtifacts } from '../../ports/node-provider.ts';
import { besuArchiveCommands } from './besu-archive-boot.ts';
import { besuReleaseCommands, FLEET_RELEASE_PATHS } from './besu-release-boot.ts';

/** Where the boot scripts put each of the node's files on the instance. */
export const FLEET_BESU_PATHS = {
  configDir: '/etc/besu',
  genesis: '/etc/besu/genesis.json',
  config: '/etc/besu/config.toml',
  /** The instance's own settings (advertised address, heap), read by the unit. */
  environment: '/etc/besu/besu.env',
  dataPath: '/var/lib/besu',
  /** Besu's default place for it, in the data path. */
  staticNodes: '/var/lib/besu/static-nodes.json',
  unit: '/etc/systemd/system/besu.service',
  staticNodesDropIn: '/etc/systemd/system/besu.service.d/static-nodes.conf',
} as const;

/** Besu ports every node uses; the security groups, the unit and the provider's node URLs agree on them. */
export const BESU_PORTS = { p2p: 30303, jsonRpc: 8545 } as const;

/**
 * JSON-RPC APIs served on the private port. ADMIN (admin_nodeInfo) and QBFT (validator votes) are for the
 * control plane; the gateway refuses those namespaces to tenants.
 */
export const BESU_RPC_APIS = 'ETH,NET,WEB3,TXPOOL,ADMIN,QBFT';

/** A node's files as the fleet's boot scripts place them: the join bundle's files with the instance's paths. */
export function fleetNodeArtifacts(node: NodeRecord, network: Network): NodeArtifacts {
  return {
    genesisJson: genesisJson(network),
    besuConfigToml: besuConfigToml(network, node, {
      genesisFile: FLEET_BESU_PATHS.genesis,
      dataPath: FLEET_BESU_PATHS.dataPath,
      staticNodesFile: FLEET_BESU_PATHS.staticNodes,
    }),
    // Always written, empty or not, so the file the configuration names exists.
    staticNodesJson: staticNodesJson(network.bootnodes),
  };
}

export interface BesuServiceOptions {
  /** Besu's install directory. @default '/opt/besu' */
  readonly besuHome?: string;
  /** Java heap for Besu. @default Besu's own default */
  readonly heapGiB?: number;
  /**
   * Shell expression of the node's folder in the configuration bucket (`s3://…/nodes/$NODE_ID`): its
   * static-nodes.json is fetched before every start. @default none: the boot script writes the list once
   */
  readonly staticNodesFrom?: string;
  /**
   * Shell expression of the node's folder in the configuration bucket: before every start, the release step
   * (besu-release-boot.ts) switches Besu to the release the control plane published there, verified by its SHA-256.
   * @default none: the node runs the release its boot installed
   */
  readonly releaseFrom?: string;
  /**
   * The archive step (besu-archive-boot.ts): before every start, a backup the control plane requested in the node's
   * folder (`folder`, a shell expression) is archived without the node key to the platform's `backupBucket`.
   * Expects `$INSTANCE_ARN` (instanceArnCommands). @default none: backups are snapshots only
   */
  readonly archiveTo?: { readonly folder: string; readonly backupBucket: string };
}

/** The systemd unit, the same text for every node and both boot scripts. */
export function besuServiceUnit(besuHome = '/opt/besu'): string {
  const paths = FLEET_BESU_PATHS;
  const execStart = [
    `${besuHome}/bin/besu`,
    `--config-file=${paths.config}`,
    `--genesis-file=${paths.genesis}`,
    `--data-path=${paths.dataPath}`,
    '--p2p-interface=0.0.0.0',
    `--p2p-port=${BESU_PORTS.p2p}`,
    '--rpc-http-enabled',
    '--rpc-http-host=0.0.0.0',
    `--rpc-http-port=${BESU_PORTS.jsonRpc}`,
    `--rpc-http-api=${BESU_RPC_APIS}`,
    // Clients reach the node by IP; the security group, not the Host header, decides who may connect.
    '--host-allowlist=*',
    // Consortium networks are free-gas.
    '--min-gas-price=0',
    // The flags of the node's release (rolling upgrades), from the release step's environment file; none: no word.
    '$BESU_RELEASE_FLAGS',
  ].join(' ');
  return [
    '[Unit]',
    'Description=Hyperledger Besu (CareChain node)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'User=besu',
    'Group=besu',
    `EnvironmentFile=${paths.environment}`,
    // Optional (`-`): written by the release step before Besu starts, absent where there is none.
    `EnvironmentFile=-${FLEET_RELEASE_PATHS.releaseEnv}`,
    `ExecStart=${execStart}`,
    // The start includes the steps run before Besu (a release's download, a backup's archive of the chain data):
    // systemd's default 90 s would kill them mid-way and, with Restart=always, again on every try.
    'TimeoutStartSec=30min',
    'Restart=always',
    'RestartSec=5',
    'LimitNOFILE=65536',
    'NoNewPrivileges=true',
    'ProtectSystem=full',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** The system user Besu runs as, made once; its home is the data path and it has no shell. */
export function besuUserCommands(): string[] {
  return [
    `id besu >/dev/null 2>&1 || useradd --system --home-dir ${FLEET_BESU_PATHS.dataPath} --no-create-home --shell /sbin/nologin besu`,
  ];
}

/**
 * Shell lines that write the instance's settings, install the unit (and, with `staticNodesFrom`, the drop-in
 * that refreshes static nodes) and start Besu. Expects `$PUBLIC_IP` (instanceFactsCommands) and, with
 * `staticNodesFrom`, `$REGION`; run after the node's files and key are in place.
 */
export function besuServiceCommands(options: BesuServiceOptions = {}): string[] {
  const paths = FLEET_BESU_PATHS;
  const settings = [
    // The address Besu advertises in its enode (its default, 127.0.0.1, reaches no peer).
    'BESU_P2P_HOST=%s',
    ...(options.heapGiB === undefined ? [] : [`BESU_OPTS=-Xmx${options.heapGiB}g`]),
  ];
  return [
    `printf '${settings.join('\\n')}\\n' "$PUBLIC_IP" > ${paths.environment}`,
    ...(options.staticNodesFrom === undefined ? [] : staticNodesRefreshCommands(options.staticNodesFrom)),
    ...(options.archiveTo === undefined
      ? []
      : besuArchiveCommands(options.archiveTo.folder, options.archiveTo.backupBucket)),
    ...(options.releaseFrom === undefined ? [] : besuReleaseCommands(options.releaseFrom)),
    // Quoted: the unit is the same text on every instance; the instance's values are in the environment file.
    `cat > ${paths.unit} <<'UNIT'`,
    besuServiceUnit(options.besuHome).trimEnd(),
    'UNIT',
    'systemctl daemon-reload',
    'systemctl enable --now besu.service',
  ];
}

/**
 * Besu reads its static nodes only when it starts: every start (a reboot, a restart after a crash) takes the list
 * the control plane keeps current as the network's validators come and move. `-`: a start never fails because
 * the bucket could not be read; the file from the last fetch stays. The heredoc is unquoted, so `$REGION` and
 * the bucket folder are this instance's when the drop-in is written.
 */
function staticNodesRefreshCommands(folder: string): string[] {
  const { staticNodesDropIn, staticNodes } = FLEET_BESU_PATHS;
  return [
    `install -d -m 0755 ${staticNodesDropIn.slice(0, staticNodesDropIn.lastIndexOf('/'))}`,
    `cat > ${staticNodesDropIn} <<DROPIN`,
    '[Service]',
    `ExecStartPre=-/usr/bin/aws s3 cp --only-show-errors --region $REGION "${folder}/static-nodes.json" ${staticNodes}`,
    'DROPIN',
  ];
}
