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
 *   from Besu's service (shared/adapters/aws/besu-service.ts, the same unit the provider's own user data
 *   installs) and override the same keys in config.toml.
 * The key is written to `<data-path>/key`, where Besu looks for it, so a replaced instance comes back as the same
 * node (same enode, same validator address). The script never traces (no `set -x`): the key must not reach the
 * cloud-init log.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { instanceArnCommands } from '../../shared/adapters/aws/besu-archive-boot.ts';
import { besuDownloadUrl } from '../../shared/adapters/aws/besu-release-boot.ts';
import { besuServiceCommands, besuUserCommands, FLEET_BESU_PATHS } from '../../shared/adapters/aws/besu-service.ts';
import { instanceFactsCommands, nodeKeyFetchCommands } from '../../shared/adapters/aws/node-boot-commands.ts';
import { nodeFilesFolder } from '../../shared/adapters/aws/s3-node-files.ts';
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
  /** The platform's backup bucket: the archive step uploads requested backups' archives there. */
  readonly backupBucketName: string;
  /** `carechain/<stage>/node-keys/`: the node's key is the secret named this plus the node id. */
  readonly nodeKeySecretPrefix: string;
  readonly heapGiB: number;
}

export function besuBootstrapUserData(options: BesuBootstrapOptions): ec2.UserData {
  const { besu, configBucketName, backupBucketName, nodeKeySecretPrefix, heapGiB } = options;
  const verify = besu.sha256
    ? `echo '${besu.sha256}  /tmp/besu.tar.gz' | sha256sum --check --strict -`
    : `echo 'WARNING: no checksum pinned for Besu ${besu.version}; download not verified' >&2`;

  const { configDir, genesis, config, dataPath, staticNodes } = FLEET_BESU_PATHS;
  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    'set -euo pipefail',
    '',
    ...instanceFactsCommands(),
    `NODE_ID=$(imds meta-data/tags/instance/${RESOURCE_TAG.node})`,
    ...instanceArnCommands(),
    '',
    'dnf install -y java-21-amazon-corretto-headless',
    ...besuUserCommands(),
    '',
    '# Chain data lives on its own volume (/dev/sdf in the launch template): formatted once, mounted by UUID.',
    'for _ in $(seq 1 60); do [ -e /dev/sdf ] && break; sleep 2; done',
    'blkid /dev/sdf >/dev/null 2>&1 || mkfs.xfs -L besu-data /dev/sdf',
    `mkdir -p ${dataPath}`,
    'DATA_UUID=$(blkid -s UUID -o value /dev/sdf)',
    `grep -q "$DATA_UUID" /etc/fstab || echo "UUID=$DATA_UUID ${dataPath} xfs defaults,noatime,nofail 0 2" >> /etc/fstab`,
    'mount -a',
    `chown besu:besu ${dataPath}`,
    '',
    `curl -fsSL --retry 5 -o /tmp/besu.tar.gz '${besuDownloadUrl(besu.version)}'`,
    verify,
    'tar -xzf /tmp/besu.tar.gz -C /opt',
    ...(besu.sha256 ? [`echo '${besu.sha256}' > /opt/besu-${besu.version}/.sha256`] : []),
    "# The fleet's default release; the release step switches /opt/besu to what the control plane publishes.",
    `ln -sfn /opt/besu-${besu.version} /opt/besu-default`,
    `ln -sfn /opt/besu-${besu.version} /opt/besu`,
    'rm -f /tmp/besu.tar.gz',
    '',
    `mkdir -p ${configDir}`,
    `CONFIG="s3://${configBucketName}/${nodeFilesFolder('$NODE_ID')}"`,
    `aws s3 cp --region "$REGION" "$CONFIG/genesis.json" ${genesis}`,
    `aws s3 cp --region "$REGION" "$CONFIG/config.toml" ${config}`,
    '# Optional: only networks that pin their peers publish a static-nodes list.',
    `aws s3 cp --region "$REGION" "$CONFIG/static-nodes.json" ${staticNodes} || true`,
    `chown -R besu:besu ${configDir} ${dataPath}`,
    '',
    "# The node's key, made by the control plane before launch: the same key on every instance the node runs on.",
    ...nodeKeyFetchCommands({ secret: { prefix: nodeKeySecretPrefix }, dataPath }),
    '',
    ...besuServiceCommands({
      besuHome: '/opt/besu',
      heapGiB,
      staticNodesFrom: '$CONFIG',
      releaseFrom: '$CONFIG',
      archiveTo: { folder: '$CONFIG', backupBucket: backupBucketName },
    }),
  );
  return userData;
}
