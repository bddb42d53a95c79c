/**
 * The archive step of an EC2 node's Besu service, run in bash with `aws` replaced on PATH by a stub whose buckets
 * are folders, and real `tar`: for the backup the control plane requested (renderBackupRequest, what it writes) the
 * data directory is archived without the node key and uploaded under the instance's archive prefix, once; no
 * request, a malformed request or a failed upload never keeps Besu down (the step exits 0 and says why).
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { besuBootstrapUserData } from '../../infra/constructs/besu-bootstrap.ts';
import {
  BACKUP_REQUEST_FILE,
  besuArchiveScript,
  FLEET_ARCHIVE_STEP,
  instanceArnCommands,
  renderBackupRequest,
} from '../../shared/adapters/aws/besu-archive-boot.ts';
import { FLEET_RELEASE_PATHS } from '../../shared/adapters/aws/besu-release-boot.ts';

const PREFIX =
  's3://carechain-dev-nodebkp-123456789012-eu-north-1/archives/arn:aws:ec2:eu-north-1:123456789012:instance/i-0a1b2c3d4e5f60718';
let work: string;
let data: string;
let config: string;
let uploads: string;
let script: string;

beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'carechain-archive-step-'));
  data = path.join(work, 'data');
  config = path.join(work, 'config');
  uploads = path.join(work, 'uploads');
  const stubs = path.join(work, 'bin');
  for (const dir of [data, path.join(data, 'database'), config, uploads, stubs]) mkdirSync(dir);
  writeFileSync(path.join(data, 'key'), `0x${'ab'.repeat(32)}\n`);
  writeFileSync(path.join(data, '.key.Xy12ab'), `0x${'ab'.repeat(32)}\n`);
  writeFileSync(path.join(data, 'database', '000123.sst'), 'chain data');
  writeFileSync(path.join(data, 'DATABASE_METADATA.json'), '{"version":2}');
  // `aws s3 cp --only-show-errors --region R <from> <to>`: s3://node-config/... reads the config folder, an upload
  // to the archive prefix lands in the uploads folder (named by the key's last part).
  const stub = path.join(stubs, 'aws');
  writeFileSync(
    stub,
    `#!/bin/bash
from="$6"; to="$7"
case "$from" in
  s3://node-config/*) src="$CONFIG/\${from#s3://node-config/}"; [ -f "$src" ] || { echo "404" >&2; exit 1; }; cp "$src" "$to" ;;
  *) [ -n "\${FAIL_UPLOAD:-}" ] && { echo "AccessDenied" >&2; exit 1; }; echo "$to" >> "$UPLOADS/keys"; cp "$from" "$UPLOADS/$(basename "$to")" ;;
esac
`,
  );
  chmodSync(stub, 0o755);
  script = path.join(work, 'archive-step');
  writeFileSync(script, besuArchiveScript({ dataPath: data, workDir: path.join(work, 'archive-work') }));
  chmodSync(script, 0o755);
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

function runStep(env: Record<string, string> = {}) {
  return spawnSync(script, ['s3://node-config/nodes/node_b', 'eu-north-1', PREFIX], {
    encoding: 'utf8',
    env: { PATH: `${path.join(work, 'bin')}:${process.env.PATH}`, CONFIG: config, UPLOADS: uploads, ...env },
  });
}

function request(body: string): void {
  mkdirSync(path.join(config, 'nodes', 'node_b'), { recursive: true });
  writeFileSync(path.join(config, 'nodes', 'node_b', BACKUP_REQUEST_FILE), body);
}

describe('the archive step', () => {
  it('uploads the requested backup’s archive of the data directory without the node key, once', () => {
    request(renderBackupRequest('bkp_01HZX3'));
    const first = runStep();
    expect(first.status).toBe(0);
    expect(first.stderr).toContain('bkp_01HZX3 uploaded');
    const listed = spawnSync('tar', ['-tzf', path.join(uploads, 'bkp_01HZX3.tar.gz')], { encoding: 'utf8' });
    const entries = listed.stdout.split('\n').filter(Boolean).sort();
    expect(entries).toEqual(['./', './DATABASE_METADATA.json', './database/', './database/000123.sst']);
    expect(spawnSync('cat', [path.join(uploads, 'keys')], { encoding: 'utf8' }).stdout).toBe(
      `${PREFIX}/bkp_01HZX3.tar.gz\n`,
    );

    const again = runStep();
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('already archived');
    expect(spawnSync('cat', [path.join(uploads, 'keys')], { encoding: 'utf8' }).stdout.split('\n')).toHaveLength(2);
  });

  it('never keeps Besu down: no request, a malformed one, or a failed upload only say why', () => {
    expect(runStep().stderr).toContain('no backup requested');
    request('BACKUP_ID=../../etc/passwd\n');
    const malformed = runStep();
    expect([malformed.status, malformed.stderr]).toEqual([0, expect.stringContaining('names no backup id')]);
    request(renderBackupRequest('bkp_2'));
    const failed = runStep({ FAIL_UPLOAD: '1' });
    expect([failed.status, failed.stderr]).toEqual([0, expect.stringContaining('upload of backup bkp_2 failed')]);
    expect(existsSync(path.join(uploads, 'keys'))).toBe(false);
    // Not marked done: the next start tries again.
    expect(runStep().stderr).toContain('bkp_2 uploaded');
    expect(readdirSync(uploads).sort()).toEqual(['bkp_2.tar.gz', 'keys']);
  });
});

describe('the fleet’s boot', () => {
  const BUCKET = 'carechain-dev-nodebkp-123456789012-eu-north-1';
  const userData = besuBootstrapUserData({
    besu: { version: '25.10.0', sha256: 'c'.repeat(64) },
    configBucketName: 'carechain-dev-node-config',
    backupBucketName: BUCKET,
    nodeKeySecretPrefix: 'carechain/dev/node-keys/',
    heapGiB: 4,
  }).render();
  const lines = userData.split('\n');

  /** Instance metadata as IMDSv2 answers it on an instance in eu-north-1 (the identity document is pretty JSON). */
  const IMDS_STUB = `imds() { case "$1" in
  meta-data/services/partition) echo aws ;;
  meta-data/instance-id) echo i-0a1b2c3d4e5f60718 ;;
  dynamic/instance-identity/document) printf '{\\n  "accountId" : "123456789012",\\n  "architecture" : "arm64",\\n  "region" : "eu-north-1"\\n}\\n' ;;
  *) return 1 ;;
esac; }
REGION=eu-north-1`;

  it('knows its instance ARN from the instance metadata: the ARN its role’s archive prefix names', () => {
    const result = spawnSync(
      'bash',
      ['-c', `${IMDS_STUB}\n${instanceArnCommands().join('\n')}\necho "$INSTANCE_ARN"`],
      {
        encoding: 'utf8',
      },
    );
    expect(result.stdout.trim()).toBe(PREFIX.slice(PREFIX.indexOf('/archives/') + '/archives/'.length));
  });

  it('installs the archive step, run as root before every start of Besu and ahead of the release step', () => {
    expect(userData).toContain(`cat > ${FLEET_ARCHIVE_STEP.script} <<'ARCHIVE_STEP'\n${besuArchiveScript().trimEnd()}`);
    const enable = lines.indexOf('systemctl enable --now besu.service');
    expect(lines.findIndex((line) => line.startsWith('INSTANCE_ARN='))).toBeLessThan(enable);
    expect(lines.indexOf(`cat > ${FLEET_ARCHIVE_STEP.dropIn} <<DROPIN`)).toBeLessThan(enable);
    // systemd reads a unit's drop-ins in name order: the archive is taken before the release step may swap Besu.
    expect([FLEET_ARCHIVE_STEP.dropIn, FLEET_RELEASE_PATHS.dropIn].sort()[0]).toBe(FLEET_ARCHIVE_STEP.dropIn);
  });

  it('writes a drop-in that runs the step with the node’s folder, its region and its own archive prefix', () => {
    const start = lines.indexOf(`cat > ${FLEET_ARCHIVE_STEP.dropIn} <<DROPIN`);
    const end = lines.indexOf('DROPIN', start);
    const dropIn = path.join(work, 'archive.conf');
    const written = [
      IMDS_STUB,
      ...instanceArnCommands(),
      `CONFIG="s3://carechain-dev-node-config/nodes/node_b"`,
      `cat > ${dropIn} <<DROPIN`,
      ...lines.slice(start + 1, end + 1),
    ].join('\n');
    expect(spawnSync('bash', ['-c', written]).status).toBe(0);
    expect(readFileSync(dropIn, 'utf8')).toBe(
      `[Service]\nExecStartPre=-+${FLEET_ARCHIVE_STEP.script} "s3://carechain-dev-node-config/nodes/node_b" eu-north-1 "${PREFIX}"\n`,
    );
  });

  it('is accepted by bash', () => {
    expect(spawnSync('bash', ['-n'], { input: userData }).status).toBe(0);
  });
});
