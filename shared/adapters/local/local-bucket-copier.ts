/**
 * Member copies of backups in local mode: there is no object store on a laptop, so a "bucket" is the folder
 * `<dataDir>/member-buckets/<bucket>/` and a copy is a file copy of the archive into it, under the same key an S3
 * copy would get. What a member names is never a path: the bucket must be a valid S3 bucket name.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { BackupArtifact } from '../../domain/backup-artifact.ts';
import { isBucketName } from '../../domain/bucket-name.ts';
import { ValidationError } from '../../errors.ts';
import type { BackupCopier } from '../../ports/backup-copier.ts';

export class LocalBucketCopier implements BackupCopier {
  readonly #root: string;

  constructor(dataDir: string) {
    this.#root = join(resolve(dataDir), 'member-buckets');
  }

  async copy(artifact: BackupArtifact, destination: { bucket: string; key: string }): Promise<string> {
    if (artifact.kind !== 'archive') throw new ValidationError('Only archive backups can be copied to a bucket');
    if (!isBucketName(destination.bucket)) throw new ValidationError('Not a bucket name');
    const target = resolve(this.#root, destination.bucket, destination.key);
    if (!target.startsWith(`${resolve(this.#root, destination.bucket)}${sep}`)) {
      throw new ValidationError('The key leaves the bucket');
    }
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await copyFile(artifact.ref, target);
    return target;
  }
}
