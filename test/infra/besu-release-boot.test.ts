/**
 * The release step of an EC2 node's Besu service, run in bash: the very script the launch-template bootstrap
 * installs, with `aws` (the bucket) and `curl` (Besu's release download) replaced on PATH by stubs serving local
 * files. Real `sha256sum` and `tar`. A temporary directory stands in for /opt and /etc/besu. What the control plane
 * writes (renderReleaseFile, the same function the EC2 upgrade uses) is what boot verifies: the tarball is installed
 * only when it matches the published SHA-256, the flags reach Besu's environment file, a rollback needs no download,
 * and the bootstrap installs the step before Besu's first start.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { besuBootstrapUserData } from '../../infra/constructs/besu-bootstrap.ts';
import {
  type BesuReleasePaths,
  besuReleaseScript,
  FLEET_RELEASE_PATHS,
  renderReleaseFile,
} from '../../shared/adapters/aws/besu-release-boot.ts';
import { besuServiceUnit } from '../../shared/adapters/aws/besu-service.ts';

let work: string;
let paths: BesuReleasePaths;
let bucket: string;
let downloads: string;
let stubs: string;

beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'carechain-release-step-'));
  bucket = path.join(work, 'bucket');
  downloads = path.join(work, 'downloads');
  stubs = path.join(work, 'bin');
  const opt = path.join(work, 'opt');
  for (const dir of [bucket, downloads, stubs, opt, path.join(work, 'etc')]) mkdirSync(dir);
  paths = { ...FLEET_RELEASE_PATHS, optDir: opt, releaseEnv: path.join(work, 'etc', 'release.env') };
  // `aws s3 cp --only-show-errors --region R s3://bucket/<key> <dest>`: the bucket is a folder.
  stub(
    'aws',
    `src="\${6#s3://bucket/}"
[ -f "$BUCKET/$src" ] || { echo "fatal error: An error occurred (404) when calling the HeadObject operation: Key \\"$src\\" does not exist" >&2; exit 1; }
cp "$BUCKET/$src" "$7"`,
  );
  // `curl -fsSL --retry 5 -o <dest> <url>`: the URL's last part names a file in the downloads folder.
  stub('curl', `echo "$6" >> "$DOWNLOADS/requested"\ncp "$DOWNLOADS/$(basename "$6")" "$5"`);
  // The fleet's default release, as the bootstrap installs it at first boot.
  installRelease('25.10.0');
  const defaultRelease = path.join(opt, 'besu-25.10.0');
  spawnSync('ln', ['-sfn', defaultRelease, path.join(opt, 'besu-default')]);
  spawnSync('ln', ['-sfn', defaultRelease, path.join(opt, 'besu')]);
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

function stub(name: string, body: string): void {
  const file = path.join(stubs, name);
  writeFileSync(file, `#!/bin/bash\n${body}\n`);
  chmodSync(file, 0o755);
}

function installRelease(version: string): void {
  const bin = path.join(paths.optDir, `besu-${version}`, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'besu'), `#!/bin/sh\necho besu/v${version}\n`, { mode: 0o755 });
}

/** Besu's release tarball layout (`besu-<version>/bin/besu`) in the downloads folder; answers its SHA-256. */
function publishTarball(version: string): string {
  const staging = path.join(work, `staging-${version}`);
  mkdirSync(path.join(staging, `besu-${version}`, 'bin'), { recursive: true });
  writeFileSync(path.join(staging, `besu-${version}`, 'bin', 'besu'), `#!/bin/sh\necho besu/v${version}\n`, {
    mode: 0o755,
  });
  const file = path.join(downloads, `besu-${version}.tar.gz`);
  const tar = spawnSync('tar', ['-czf', file, '-C', staging, `besu-${version}`]);
  expect(tar.status).toBe(0);
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function boot() {
  const script = path.join(work, 'carechain-besu-release');
  writeFileSync(script, besuReleaseScript(paths, 'https://release.example/besu'), { mode: 0o755 });
  return spawnSync('bash', [script, 's3://bucket/nodes/node_bbbbbbbbbbbbbbbbbbbb', 'eu-north-1'], {
    encoding: 'utf8',
    env: { PATH: `${stubs}:${process.env.PATH}`, BUCKET: bucket, DOWNLOADS: downloads },
  });
}

function publishRelease(file: string): void {
  mkdirSync(path.join(bucket, 'nodes', 'node_bbbbbbbbbbbbbbbbbbbb'), { recursive: true });
  writeFileSync(path.join(bucket, 'nodes', 'node_bbbbbbbbbbbbbbbbbbbb', 'besu-release.env'), file);
}

const running = () => spawnSync(path.join(paths.optDir, 'besu', 'bin', 'besu'), { encoding: 'utf8' }).stdout.trim();
const flagsFile = () => readFileSync(paths.releaseEnv, 'utf8');

describe('the release step before Besu starts', () => {
  it('installs the published release when its tarball matches the SHA-256, with the plan’s flags', () => {
    const sha256 = publishTarball('26.6.0');
    publishRelease(renderReleaseFile({ version: '26.6.0', sha256 }, ['--Xbft-legacy-protocol-encoding']));
    const result = boot();
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(path.join(downloads, 'requested'), 'utf8').trim()).toBe(
      'https://release.example/besu/26.6.0/besu-26.6.0.tar.gz',
    );
    expect(running()).toBe('besu/v26.6.0');
    expect(readFileSync(path.join(paths.optDir, 'besu-26.6.0', '.sha256'), 'utf8').trim()).toBe(sha256);
    expect(flagsFile()).toBe('BESU_RELEASE_FLAGS=--Xbft-legacy-protocol-encoding\n');
    expect(result.stderr).toContain('Besu release: besu-26.6.0, flags: --Xbft-legacy-protocol-encoding');
  });

  it('keeps Besu down, on the release it had, when the tarball does not match the published SHA-256', () => {
    publishTarball('26.6.0');
    publishRelease(renderReleaseFile({ version: '26.6.0', sha256: 'f'.repeat(64) }, []));
    const result = boot();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`FATAL: besu-26.6.0.tar.gz does not match its SHA-256 ${'f'.repeat(64)}`);
    expect(existsSync(path.join(paths.optDir, 'besu-26.6.0'))).toBe(false);
    expect(running()).toBe('besu/v25.10.0');
  });

  it('rolls back without a download: to an installed release, and to the fleet’s default', () => {
    const sha256 = publishTarball('26.6.0');
    publishRelease(renderReleaseFile({ version: '26.6.0', sha256 }, ['--Xbft-legacy-protocol-encoding']));
    expect(boot().status).toBe(0);
    rmSync(path.join(downloads, 'requested'));

    publishRelease(renderReleaseFile(undefined, []));
    const back = boot();
    expect(back.status, back.stderr).toBe(0);
    expect(running()).toBe('besu/v25.10.0');
    expect(flagsFile()).toBe('BESU_RELEASE_FLAGS=\n');

    publishRelease(renderReleaseFile({ version: '26.6.0', sha256 }, []));
    expect(boot().status).toBe(0);
    expect(running()).toBe('besu/v26.6.0');
    expect(existsSync(path.join(downloads, 'requested'))).toBe(false);
  });

  it('keeps the Besu it has when no release was published for the node', () => {
    const result = boot();
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('No Besu release readable for this node: keeping');
    expect(readlinkSync(path.join(paths.optDir, 'besu'))).toContain('besu-25.10.0');
  });

  it('refuses a release file with a flag or version the control plane would never write', () => {
    publishRelease('BESU_VERSION=26.6.0\nBESU_SHA256=abc\nBESU_RELEASE_FLAGS=\n');
    expect(boot().stderr).toContain('FATAL: no SHA-256 for Besu 26.6.0');
    publishRelease(`BESU_VERSION=../../etc\nBESU_SHA256=${'a'.repeat(64)}\nBESU_RELEASE_FLAGS=\n`);
    expect(boot().stderr).toContain('FATAL: not a Besu version: ../../etc');
    publishRelease(`BESU_VERSION=\nBESU_SHA256=\nBESU_RELEASE_FLAGS=--ok $(touch /tmp/x)\n`);
    expect(boot().stderr).toContain('FATAL: release flag not accepted: $(touch');
    expect(running()).toBe('besu/v25.10.0');
  });
});

describe('the fleet’s boot', () => {
  const userData = besuBootstrapUserData({
    besu: { version: '25.10.0', sha256: 'c'.repeat(64) },
    configBucketName: 'carechain-dev-node-config',
    backupBucketName: 'carechain-dev-nodebkp-123456789012-eu-north-1',
    nodeKeySecretPrefix: 'carechain/dev/node-keys/',
    heapGiB: 4,
  }).render();

  it('installs the release step, run as root before every start of Besu, before Besu first starts', () => {
    expect(userData).toContain(
      `cat > ${FLEET_RELEASE_PATHS.script} <<'RELEASE_STEP'\n${besuReleaseScript().trimEnd()}`,
    );
    expect(userData).toContain(`ExecStartPre=+${FLEET_RELEASE_PATHS.script} "$CONFIG" $REGION`);
    expect(userData.indexOf('RELEASE_STEP')).toBeLessThan(userData.indexOf('systemctl enable --now besu.service'));
    expect(userData).toContain('ln -sfn /opt/besu-25.10.0 /opt/besu-default');
  });

  it('starts Besu with the release’s flags from the step’s environment file, absent or not', () => {
    const unit = besuServiceUnit('/opt/besu');
    expect(unit).toContain(`EnvironmentFile=-${FLEET_RELEASE_PATHS.releaseEnv}\n`);
    expect(unit.split('\n').find((line) => line.startsWith('ExecStart='))).toMatch(/ \$BESU_RELEASE_FLAGS$/);
  });

  it('is accepted by bash', () => {
    expect(spawnSync('bash', ['-n'], { input: userData }).status).toBe(0);
    expect(spawnSync('bash', ['-n'], { input: besuReleaseScript() }).status).toBe(0);
  });
});
