/**
 * Backups of a local Besu node's chain data: a gzipped tarball of its data directory (written with `tar`, the
 * format Besu's own releases ship in) under `<dataDir>/backups/<networkId>/<backupId>.tar.gz`. The node key is never
 * in it: a node restored from a backup is another node, with a key of its own, that takes the chain data and syncs
 * the blocks after it from its peers.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { create, extract } from 'tar';
import { ValidationError } from '../../errors.ts';

/** Files of the data directory a backup leaves out: the node key (and a half-written one). */
function isKeyMaterial(path: string): boolean {
  const name = path.replace(/^\.\//, '');
  return name === 'key' || name.startsWith('key.');
}

export function archivePathOf(backupsRoot: string, networkId: string, backupId: string): string {
  return join(backupsRoot, networkId, `${backupId}.tar.gz`);
}

/** Writes the archive aside and moves it into place, so an archive that exists is whole. Returns its size. */
export async function archiveDataDir(dataPath: string, archivePath: string): Promise<number> {
  await mkdir(dirname(archivePath), { recursive: true, mode: 0o700 });
  const aside = `${archivePath}.${process.pid}.partial`;
  try {
    await create({ gzip: true, file: aside, cwd: dataPath, portable: true, filter: (path) => !isKeyMaterial(path) }, [
      '.',
    ]);
    await rename(aside, archivePath);
  } catch (error) {
    await rm(aside, { force: true });
    throw error;
  }
  return (await stat(archivePath)).size;
}

/** Unpacks an archive into a (new) node's data directory; key files in it, if any, are skipped. */
export async function restoreDataDir(archivePath: string, dataPath: string, backupsRoot: string): Promise<void> {
  const root = resolve(backupsRoot);
  const file = resolve(archivePath);
  // The reference comes from the table: it must name an archive of ours, never another file on the machine.
  if (relative(root, file).startsWith(`..${sep}`) || !file.endsWith('.tar.gz')) {
    throw new ValidationError('The backup does not name an archive of this installation');
  }
  await mkdir(dataPath, { recursive: true, mode: 0o700 });
  await extract({ file, cwd: dataPath, filter: (path) => !isKeyMaterial(path) });
}
