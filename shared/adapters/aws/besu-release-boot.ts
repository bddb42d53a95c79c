/**
 * How an EC2 node's Besu release changes (docs/architecture.md, "Fleet operations"): the release is data, a version
 * and the SHA-256 of Besu's release tarball. The control plane writes the node's release to the node configuration
 * bucket (`nodes/<nodeId>/besu-release.env`) and reboots the instance; before every start of Besu's service, a step
 * of the service (installed by the launch-template bootstrap, run as root) fetches that file, downloads the tarball
 * when the version is not installed yet, checks its SHA-256 (`sha256sum --check --strict`: a mismatch keeps Besu
 * down, never runs an unverified binary), unpacks it to `/opt/besu-<version>` and points `/opt/besu` at it. The
 * release's flags (from the compatibility table) go to an environment file the unit adds to Besu's command line.
 *
 * A node with no release file, or whose bucket cannot be read at that moment, keeps the Besu it has. An empty
 * version is "the fleet's default": the release the launch template installed at first boot (`/opt/besu-default`),
 * which is how a plan rolls back to a network that never recorded a release. Releases once installed stay on disk,
 * so rolling back to the previous one downloads nothing.
 */
import { assertRelease, type BesuRelease } from '../../domain/besu-release.ts';
import { ValidationError } from '../../errors.ts';

export const BESU_RELEASE_FILE = 'besu-release.env';

/** Where the release step works on the instance. */
export interface BesuReleasePaths {
  /** Holds `besu-<version>/`, the `besu` link Besu's unit runs and the `besu-default` link. @default '/opt' */
  readonly optDir: string;
  /** The environment file with the release's flags, read by Besu's unit. @default '/etc/besu/release.env' */
  readonly releaseEnv: string;
  /** Where the release step itself is installed. @default '/usr/local/sbin/carechain-besu-release' */
  readonly script: string;
  /** The systemd drop-in that runs it before every start. */
  readonly dropIn: string;
}

export const FLEET_RELEASE_PATHS: BesuReleasePaths = {
  optDir: '/opt',
  releaseEnv: '/etc/besu/release.env',
  script: '/usr/local/sbin/carechain-besu-release',
  dropIn: '/etc/systemd/system/besu.service.d/release.conf',
};

/** Release tarballs are published as assets of the Besu GitHub releases. */
export const BESU_DOWNLOAD_BASE = 'https://github.com/hyperledger/besu/releases/download';

export function besuDownloadUrl(version: string, base = BESU_DOWNLOAD_BASE): string {
  return `${base}/${version}/besu-${version}.tar.gz`;
}

/** A Besu option the release step accepts: `--name` or `--name=value`, nothing a shell or systemd would expand. */
const FLAG = /^--[A-Za-z][A-Za-z0-9-]{0,80}(?:=[A-Za-z0-9._,:-]{1,200})?$/;

/**
 * The node's release file: `BESU_VERSION`, `BESU_SHA256` and `BESU_RELEASE_FLAGS`, one per line. No release: the
 * fleet's default (empty version). Throws a ValidationError for a release or flag the boot step would refuse.
 */
export function renderReleaseFile(release: BesuRelease | undefined, flags: readonly string[]): string {
  if (release) assertRelease(release);
  const bad = flags.find((flag) => !FLAG.test(flag));
  if (bad !== undefined) throw new ValidationError(`${JSON.stringify(bad)} is not a Besu option the boot accepts`);
  return [
    `BESU_VERSION=${release?.version ?? ''}`,
    `BESU_SHA256=${release?.sha256 ?? ''}`,
    `BESU_RELEASE_FLAGS=${flags.join(' ')}`,
    '',
  ].join('\n');
}

/**
 * The release step (bash), run as `<script> <s3 folder of the node> <region>`. Expects `aws`, `curl`, `tar`,
 * `sha256sum` on PATH. Exits 0 having pointed `<optDir>/besu` at the verified release, or non-zero (Besu's start
 * fails, systemd tries again) when the release file is malformed or the tarball does not match its SHA-256.
 */
export function besuReleaseScript(paths: BesuReleasePaths = FLEET_RELEASE_PATHS, downloadBase = BESU_DOWNLOAD_BASE) {
  const { optDir, releaseEnv } = paths;
  return [
    '#!/bin/bash',
    "# CareChain: switches this node's Besu to the release the control plane published for it, verified.",
    'set -euo pipefail',
    'FOLDER="$1"',
    'REGION="$2"',
    `OPT='${optDir}'`,
    'fail() { echo "FATAL: $*; Besu not started" >&2; exit 1; }',
    'WORK=$(mktemp -d "$OPT/.besu-release.XXXXXX")',
    `trap 'rm -rf "$WORK"' EXIT`,
    `if ! aws s3 cp --only-show-errors --region "$REGION" "$FOLDER/${BESU_RELEASE_FILE}" "$WORK/release.env"; then`,
    '  echo "No Besu release readable for this node: keeping $(readlink "$OPT/besu" || echo none)" >&2',
    '  exit 0',
    'fi',
    `field() { sed -n "s/^$1=//p" "$WORK/release.env" | head -n 1; }`,
    'VERSION=$(field BESU_VERSION)',
    'SHA256=$(field BESU_SHA256)',
    'FLAGS=$(field BESU_RELEASE_FLAGS)',
    '# Split on spaces only, never globbed: each word must be one Besu option.',
    'set -f',
    'for flag in $FLAGS; do',
    '  [[ "$flag" =~ ^--[A-Za-z][A-Za-z0-9-]*(=[A-Za-z0-9._,:-]+)?$ ]] || fail "release flag not accepted: $flag"',
    'done',
    'set +f',
    'if [ -z "$VERSION" ]; then',
    '  TARGET=$(readlink -f "$OPT/besu-default") || fail "no default Besu release installed"',
    'else',
    '  [[ "$VERSION" =~ ^[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,4}(-[A-Za-z0-9.]{1,20})?$ ]] || fail "not a Besu version: $VERSION"',
    '  [[ "$SHA256" =~ ^[0-9a-f]{64}$ ]] || fail "no SHA-256 for Besu $VERSION"',
    '  TARGET="$OPT/besu-$VERSION"',
    '  # Installed before from a tarball with this very checksum: nothing to download.',
    '  if [ ! -x "$TARGET/bin/besu" ] || [ "$(cat "$TARGET/.sha256" 2>/dev/null || true)" != "$SHA256" ]; then',
    `    curl -fsSL --retry 5 -o "$WORK/besu.tar.gz" "${downloadBase}/$VERSION/besu-$VERSION.tar.gz"`,
    '    echo "$SHA256  $WORK/besu.tar.gz" | sha256sum --check --strict --quiet - ||',
    '      fail "besu-$VERSION.tar.gz does not match its SHA-256 $SHA256"',
    '    mkdir "$WORK/unpacked"',
    '    tar -xzf "$WORK/besu.tar.gz" -C "$WORK/unpacked"',
    '    [ -x "$WORK/unpacked/besu-$VERSION/bin/besu" ] || fail "besu-$VERSION.tar.gz holds no besu-$VERSION/bin/besu"',
    '    echo "$SHA256" > "$WORK/unpacked/besu-$VERSION/.sha256"',
    '    rm -rf "$TARGET"',
    '    mv "$WORK/unpacked/besu-$VERSION" "$TARGET"',
    '  fi',
    'fi',
    'ln -sfn "$TARGET" "$OPT/besu"',
    `printf 'BESU_RELEASE_FLAGS=%s\\n' "$FLAGS" > '${releaseEnv}'`,
    'echo "Besu release: $(basename "$TARGET"), flags: $FLAGS" >&2',
    '',
  ].join('\n');
}

/**
 * Boot-script lines that install the release step and the drop-in running it (as root: `+`) before every start of
 * Besu's service. `folder` is a shell expression of the node's folder in the configuration bucket; the drop-in's
 * heredoc is unquoted so `$REGION` and the folder are this instance's when it is written. Expects `$REGION`.
 */
export function besuReleaseCommands(folder: string, paths: BesuReleasePaths = FLEET_RELEASE_PATHS): string[] {
  const { script, dropIn } = paths;
  return [
    `install -d -m 0755 ${dropIn.slice(0, dropIn.lastIndexOf('/'))}`,
    `cat > ${script} <<'RELEASE_STEP'`,
    besuReleaseScript(paths).trimEnd(),
    'RELEASE_STEP',
    `chmod 0755 ${script}`,
    `cat > ${dropIn} <<DROPIN`,
    '[Service]',
    `ExecStartPre=+${script} "${folder}" $REGION`,
    'DROPIN',
  ];
}
