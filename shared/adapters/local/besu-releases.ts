/**
 * Besu releases on this machine, for the local Besu runtime's rolling upgrades: the `besu` on the PATH runs nodes
 * that name no release; a node upgraded to a release runs `<dataDir>/besu-releases/<version>/bin/besu`. A release
 * is installed from Besu's own tarball, `besu-<version>.tar.gz`, placed in `<dataDir>/besu-releases/` (nothing is
 * downloaded locally): its SHA-256 must be the one the release names, as the fleet's boot script checks it in AWS,
 * and it is unpacked with `tar` (its top folder, `besu-<version>/`, stripped).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, constants, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extract } from 'tar';
import { BESU_VERSION_PATTERN, type BesuRelease } from '../../domain/besu-release.ts';
import { NotFoundError, PlatformError, ValidationError } from '../../errors.ts';

const MARKER = '.sha256';

export class LocalBesuReleases {
  readonly root: string;
  readonly #defaultPath: string;
  readonly #installing = new Map<string, Promise<string>>();

  /** `defaultPath`: the `besu` found on the PATH, for nodes that name no release. */
  constructor(dataDir: string, defaultPath: string) {
    this.root = join(dataDir, 'besu-releases');
    this.#defaultPath = defaultPath;
  }

  /** Where a release's tarball is looked for. */
  tarballPath(version: string): string {
    return join(this.root, `besu-${version}.tar.gz`);
  }

  /** The executable for `release` (installing it first when needed); the PATH's `besu` without one. */
  async executable(release: BesuRelease | undefined): Promise<string> {
    if (!release) return this.#defaultPath;
    if (!BESU_VERSION_PATTERN.test(release.version)) {
      throw new ValidationError(`${JSON.stringify(release.version)} is not a Besu version`);
    }
    const pending = this.#installing.get(release.version) ?? this.#install(release);
    this.#installing.set(release.version, pending);
    try {
      return await pending;
    } finally {
      this.#installing.delete(release.version);
    }
  }

  async #install(release: BesuRelease): Promise<string> {
    const dir = join(this.root, release.version);
    const executable = join(dir, 'bin', 'besu');
    const installed = await readFile(join(dir, MARKER), 'utf8').catch(() => undefined);
    if (installed?.trim() === release.sha256 && (await isExecutable(executable))) return executable;

    const tarball = this.tarballPath(release.version);
    const digest = await sha256Of(tarball).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        throw new NotFoundError(
          `Besu ${release.version} is not installed here: put besu-${release.version}.tar.gz from its release ` +
            `page in ${this.root}`,
          { cause: error },
        );
      }
      throw error;
    });
    if (digest !== release.sha256) {
      throw new ValidationError(
        `besu-${release.version}.tar.gz has SHA-256 ${digest}, not the ${release.sha256} the release names: ` +
          'it is not that release, and is not installed',
      );
    }
    // Unpacked aside and moved into place, so a half-unpacked release is never run.
    const aside = `${dir}.${process.pid}.unpacking`;
    await rm(aside, { recursive: true, force: true });
    await mkdir(aside, { recursive: true, mode: 0o700 });
    try {
      await extract({ file: tarball, cwd: aside, strip: 1 });
      if (!(await isExecutable(join(aside, 'bin', 'besu')))) {
        throw new PlatformError(`besu-${release.version}.tar.gz holds no bin/besu`);
      }
      await writeFile(join(aside, MARKER), `${release.sha256}\n`);
      await rm(dir, { recursive: true, force: true });
      await rename(aside, dir);
    } catch (error) {
      await rm(aside, { recursive: true, force: true });
      throw error;
    }
    return executable;
  }
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function sha256Of(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}
