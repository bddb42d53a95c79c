/**
 * Secrets the local runtime keeps in files of their own (the key vault's master key, the evidence key): made on
 * first use from the OS CSPRNG, written so that a crash or a concurrent start never leaves half a secret, and
 * refused when others may read them or they are damaged.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readFileSync,
  type Stats,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBase32 } from '../../domain/ids.ts';
import { PlatformError } from '../../errors.ts';

/** The vault refuses to open: its master key is exposed or damaged. Raised at start-up, never to a tenant. */
export class LocalVaultStartupError extends PlatformError {}

/** A 256-bit secret unless asked otherwise. */
const SECRET_BYTES = 32;

/**
 * A random secret kept in its own file (0600), made on first use; refused when others may read it or it is damaged.
 * `description` names it in the refusal (`the master key`, `the evidence key`).
 */
export function loadOrCreateSecretFile(path: string, description: string, size = SECRET_BYTES): Buffer {
  let stats = lstatOrUndefined(path);
  if (!stats) {
    createSecretFile(path, size);
    stats = lstatSync(path);
  }
  if (!stats.isFile()) {
    throw new LocalVaultStartupError(`Refusing to start the local key vault: ${path} is not a regular file`);
  }
  const mode = stats.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new LocalVaultStartupError(
      `Refusing to start the local key vault: ${description} ${path} is accessible by group or others ` +
        `(mode ${mode.toString(8).padStart(4, '0')}). Restrict it with: chmod 600 ${path}`,
    );
  }
  const key = readFileSync(path);
  if (key.length !== size) {
    throw new LocalVaultStartupError(
      `Refusing to start the local key vault: ${description} ${path} is damaged (expected ${size} bytes)`,
    );
  }
  return key;
}

/** Written to a temporary file and linked into place, so a crash or a concurrent start never leaves half a key. */
function createSecretFile(path: string, size: number): void {
  const temporary = `${path}.${randomBase32(8)}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, randomBytes(size));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
