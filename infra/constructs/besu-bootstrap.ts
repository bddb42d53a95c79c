/**
 * User data that turns a fresh Amazon Linux 2023 instance into a CareChain Besu node: Java, a pinned and
 * checksummed Besu release, the data volume, the node's configuration and a systemd service.
 *
 * Contract with the control plane (the EC2 node provider):
 * - the instance carries the tag `carechain:node` = node id (read through IMDSv2 instance tags);
 * - before launching, the provider writes `nodes/<nodeId>/genesis.json`, `nodes/<nodeId>/config.toml` and,
 *   when the network pins its peers, `nodes/<nodeId>/static-nodes.json` to the node configuration bucket;
 * - before launching, the provider makes the node's key and keeps it in Secrets Manager as
 *   `<nodeKeySecretPrefix><nodeId>` (SecretString: Besu's key file, `0x` and 64 hex digits), and right after
 *   the launch tags that secret `carechain:instance` = the instance's ARN, which is what lets this instance read it;
 * - the provider keeps `nodes/<nodeId>/static-nodes.json` current as the network's genesis validators report
 *   their addresses; Besu's service fetches it before every start, so a rebooted node finds its peers;
 * - settings that belong to the machine (data path, listening addresses, advertised address, RPC APIs) come
 *   from the command line below and override the same keys in config.toml.
 * The key is written to `<data-path>/key`, where Besu looks for it, so a replaced instance comes back as the same
 * node (same enode, same validator address). The script never traces (no `set -x`): the key must not reach the
 * cloud-init log.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { instanceFactsCommands, nodeKeyFetchCommands } from '../../shared/adapters/aws/node-boot-commands.ts';
import { BESU_PORTS } from './node-sizes.ts';
import { RESOURCE_TAG } from './resource-tags.ts';

export type BesuRelease = {
  /** Besu release, e.g. `25.4.0`. */
  readonly version: string;
  /** SHA-256 of `besu-<version>.tar.gz`, from the release notes. Without it the download is not verified. */
  readonly sha256?: string;
};

export interface BesuBootstrapOptions {
  readonly besu: BesuRelease;
  readonly configBucketName: string;
  /** `carechain/<stage>/node-keys/`: the node's key is the secret named this plus the node id. */
  readonly nodeKeySecretPrefix: string;
  readonly heapGiB: number;
}

/** Release tarballs are published as assets of the Besu GitHub releases. */
export function besuDownloadUrl(version: string): string {
  return `https://github.com/hyperledger/besu/releases/download/${version}/besu-${version}.tar.gz`;
}

/**
 * JSON-RPC APIs served on the private port. ADMIN (admin_nodeInfo) and QBFT (validator votes) are for the
 * control plane; the gateway refuses those namespaces to tenants.
 */
const RPC_APIS = 'ETH,NET,WEB3,TXPOOL,ADMIN,QBFT';

export function besuBootstrapUserData(options: BesuBootstrapOptions): ec2.UserData {
  const { besu, configBucketName, nodeKeySecretPrefix, heapGiB } = options;
  const verify = besu.sha256
    ? `echo '${besu.sha256}  /tmp/besu.tar.gz' | sha256sum --check --strict -`
    : `echo 'WARNING: no checksum pinned for Besu ${besu.version}; download not verified' >&2`;

  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    'set -euo pipefail',
    '',
    ...instanceFactsCommands(),
    `NODE_ID=$(imds meta-data/tags/instance/${RESOURCE_TAG.node})`,
    '',
    'dnf install -y java-21-amazon-corretto-headless',
    'id besu >/dev/null 2>&1 || useradd --system --home-dir /var/lib/besu --shell /sbin/nologin besu',
    '',
    '# Chain data lives on its own volume (/dev/sdf in the launch template): formatted once, mounted by UUID.',
    'for _ in $(seq 1 60); do [ -e /dev/sdf ] && break; sleep 2; done',
    'blkid /dev/sdf >/dev/null 2>&1 || mkfs.xfs -L besu-data /dev/sdf',
    'mkdir -p /var/lib/besu',
    'DATA_UUID=$(blkid -s UUID -o value /dev/sdf)',
    'grep -q "$DATA_UUID" /etc/fstab || echo "UUID=$DATA_UUID /var/lib/besu xfs defaults,noatime,nofail 0 2" >> /etc/fstab',
    'mount -a',
    'chown besu:besu /var/lib/besu',
    '',
    `curl -fsSL --retry 5 -o /tmp/besu.tar.gz '${besuDownloadUrl(besu.version)}'`,
    verify,
    'tar -xzf /tmp/besu.tar.gz -C /opt',
    `ln -sfn /opt/besu-${besu.version} /opt/besu`,
    'rm -f /tmp/besu.tar.gz',
    '',
    'mkdir -p /etc/besu',
    `CONFIG="s3://${configBucketName}/nodes/$NODE_ID"`,
    'aws s3 cp --region "$REGION" "$CONFIG/genesis.json" /etc/besu/genesis.json',
    'aws s3 cp --region "$REGION" "$CONFIG/config.toml" /etc/besu/config.toml',
    '# Optional: only networks that pin their peers publish a static-nodes list.',
    'aws s3 cp --region "$REGION" "$CONFIG/static-nodes.json" /var/lib/besu/static-nodes.json || true',
    'chown -R besu:besu /etc/besu /var/lib/besu',
    '',
    "# The node's key, made by the control plane before launch: the same key on every instance the node runs on.",
    ...nodeKeyFetchCommands({ secret: { prefix: nodeKeySecretPrefix }, dataPath: '/var/lib/besu' }),
    '',
    'cat > /etc/systemd/system/besu.service <<UNIT',
    '[Unit]',
    'Description=Hyperledger Besu (CareChain node)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'User=besu',
    'Group=besu',
    `Environment=BESU_OPTS=-Xmx${heapGiB}g`,
    // Besu reads its static nodes only when it starts: every start (a reboot, a restart after a crash) takes the
    // list the control plane keeps current as the network's validators come and move. Never fails the start.
    `ExecStartPre=-/usr/bin/aws s3 cp --only-show-errors --region $REGION "$CONFIG/static-nodes.json" /var/lib/besu/static-nodes.json`,
    [
      'ExecStart=/opt/besu/bin/besu',
      '--config-file=/etc/besu/config.toml',
      '--genesis-file=/etc/besu/genesis.json',
      '--data-path=/var/lib/besu',
      '--p2p-host=$PUBLIC_IP',
      '--p2p-interface=0.0.0.0',
      `--p2p-port=${BESU_PORTS.p2p}`,
      '--rpc-http-enabled',
      '--rpc-http-host=0.0.0.0',
      `--rpc-http-port=${BESU_PORTS.jsonRpc}`,
      `--rpc-http-api=${RPC_APIS}`,
      // Clients reach the node by IP; the security group, not the Host header, decides who may connect.
      '--host-allowlist=*',
      // Consortium networks are free-gas.
      '--min-gas-price=0',
    ].join(' '),
    'Restart=always',
    'RestartSec=5',
    'LimitNOFILE=65536',
    'NoNewPrivileges=true',
    'ProtectSystem=full',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    'UNIT',
    '',
    'systemctl daemon-reload',
    'systemctl enable --now besu',
  );
  return userData;
}
