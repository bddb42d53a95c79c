/**
 * The archive step of an EC2 node's Besu service, run in bash with `aws` replaced on PATH by a stub whose buckets
 * are folders, and real `tar`: for the backup the control plane requested (renderBackupRequest, what it writes) the
 * data directory is archived without the node key and uploaded under the instance's archive prefix, once; no
 * request, a malformed request or a failed upload never keeps Besu down (the step exits 0 and says why).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BACKUP_REQUEST_FILE,
  besuArchiveScript,
  renderBackupRequest,
} from '../../shared/adapters/aws/besu-archive-boot.ts';

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
