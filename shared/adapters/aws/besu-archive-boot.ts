/**
 * The archive step of an EC2 node's Besu service (docs/architecture.md, "Fleet operations"): a member copy of a
 * backup needs an archive of the node's chain data, which an EBS snapshot is not. The backup stops the instance and
 * snapshots its data volume; on the start after it, before Besu runs, this step reads the node's backup request
 * (`nodes/<nodeId>/backup-request.env` in the node configuration bucket: `BACKUP_ID=<id>`), archives the data
 * directory with everything but the node key (`key` and its temporary files stay out), and uploads it with the
 * instance's role to `archives/<instance ARN>/<backupId>.tar.gz` of the platform's backup bucket, the only prefix
 * that role may write. Each request is archived once (a marker outside the data directory remembers it).
 *
 * The step never keeps Besu down: no request, a malformed one, or a failed upload is reported on stderr and Besu
 * starts; the control plane then finds no archive and records the member copies as failed with that reason.
 */

import { ValidationError } from '../../errors.ts';

export const BACKUP_REQUEST_FILE = 'backup-request.env';

export interface BesuArchivePaths {
  /** Besu's data path (holds the node key as `key`). @default '/var/lib/besu' */
  readonly dataPath: string;
  /** Where the archive is built and requests already archived are remembered (outside the data path). */
  readonly workDir: string;
}

export const FLEET_ARCHIVE_PATHS: BesuArchivePaths = {
  dataPath: '/var/lib/besu',
  workDir: '/var/lib/carechain-archive',
};

/** The backup request the control plane writes for a node before stopping it. */
export function renderBackupRequest(backupId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(backupId))
    throw new ValidationError(`Not a backup id: ${JSON.stringify(backupId)}`);
  return `BACKUP_ID=${backupId}\n`;
}

/**
 * The step (bash), run as `<script> <s3 folder of the node> <region> <s3 prefix of this instance's archives>`.
 * Expects `aws` and `tar` on PATH. Always exits 0.
 */
export function besuArchiveScript(paths: BesuArchivePaths = FLEET_ARCHIVE_PATHS): string {
  return [
    '#!/bin/bash',
    "# CareChain: archives this node's chain data, without its key, for the backup the control plane requested.",
    'set -uo pipefail',
    'FOLDER="$1"',
    'REGION="$2"',
    'DEST="$3"',
    `DATA='${paths.dataPath}'`,
    `WORKDIR='${paths.workDir}'`,
    'skip() { echo "Backup archive: $*; Besu starts" >&2; exit 0; }',
    'install -d -m 0700 "$WORKDIR/done" || skip "no work directory"',
    'WORK=$(mktemp -d "$WORKDIR/.archive.XXXXXX") || skip "no work directory"',
    `trap 'rm -rf "$WORK"' EXIT`,
    `aws s3 cp --only-show-errors --region "$REGION" "$FOLDER/${BACKUP_REQUEST_FILE}" "$WORK/request.env" 2>/dev/null ||`,
    '  skip "no backup requested"',
    'BACKUP_ID=$(sed -n "s/^BACKUP_ID=//p" "$WORK/request.env" | head -n 1)',
    '[[ "$BACKUP_ID" =~ ^[A-Za-z0-9_-]{1,64}$ ]] || skip "the request names no backup id"',
    '[ -e "$WORKDIR/done/$BACKUP_ID" ] && skip "backup $BACKUP_ID already archived"',
    '# The node key never leaves the instance: `key` and the temporary files it is written through stay out.',
    'tar -czf "$WORK/archive.tar.gz" -C "$DATA" --exclude=./key --exclude="./.key.*" . ||',
    '  skip "archiving $DATA failed"',
    'aws s3 cp --only-show-errors --region "$REGION" "$WORK/archive.tar.gz" "$DEST/$BACKUP_ID.tar.gz" ||',
    '  skip "upload of backup $BACKUP_ID failed"',
    'touch "$WORKDIR/done/$BACKUP_ID"',
    'echo "Backup archive: $BACKUP_ID uploaded" >&2',
    '',
  ].join('\n');
}

/** Where archives go in the platform's backup bucket: `archives/<instance ARN>/<backupId>.tar.gz`. */
export const ARCHIVE_PREFIX = 'archives/';

/** Where the archive step is installed on the instance and the drop-in that runs it. */
export const FLEET_ARCHIVE_STEP = {
  script: '/usr/local/sbin/carechain-besu-archive',
  /** Sorts before `release.conf` and `static-nodes.conf`: systemd runs the archive first, on the data as stopped. */
  dropIn: '/etc/systemd/system/besu.service.d/archive.conf',
} as const;

/**
 * Boot-script lines that define `$INSTANCE_ARN` from the instance metadata (partition, region, account of the
 * instance identity document, instance id): the ARN the `ec2:SourceInstanceARN` policy variable names, so the
 * instance's archive prefix is the one its role may write. Expects `imds` and `$REGION` (instanceFactsCommands).
 */
export function instanceArnCommands(): string[] {
  return [
    'PARTITION=$(imds meta-data/services/partition)',
    'INSTANCE_ID=$(imds meta-data/instance-id)',
    `ACCOUNT_ID=$(imds dynamic/instance-identity/document | sed -n 's/.*"accountId" *: *"\\([0-9]\\{12\\}\\)".*/\\1/p')`,
    'INSTANCE_ARN="arn:$PARTITION:ec2:$REGION:$ACCOUNT_ID:instance/$INSTANCE_ID"',
  ];
}

/**
 * Boot-script lines that install the archive step and the drop-in running it (as root: `+`, `-`: its failure never
 * fails Besu's start) before every start of Besu's service. `folder` is a shell expression of the node's folder in
 * the configuration bucket; `backupBucket` the platform's backup bucket (a name or a deploy-time token). The
 * drop-in's heredoc is unquoted, so `$REGION`, `$INSTANCE_ARN` and the folder are this instance's when it is
 * written. Expects `$REGION` and `$INSTANCE_ARN` (instanceArnCommands).
 */
export function besuArchiveCommands(folder: string, backupBucket: string, paths = FLEET_ARCHIVE_PATHS): string[] {
  const { script, dropIn } = FLEET_ARCHIVE_STEP;
  return [
    `install -d -m 0755 ${dropIn.slice(0, dropIn.lastIndexOf('/'))}`,
    `cat > ${script} <<'ARCHIVE_STEP'`,
    besuArchiveScript(paths).trimEnd(),
    'ARCHIVE_STEP',
    `chmod 0755 ${script}`,
    `cat > ${dropIn} <<DROPIN`,
    '[Service]',
    `ExecStartPre=-+${script} "${folder}" $REGION "s3://${backupBucket}/${ARCHIVE_PREFIX}$INSTANCE_ARN"`,
    'DROPIN',
  ];
}
