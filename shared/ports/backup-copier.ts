/**
 * Where a member organisation's copies of its network's backups go: a bucket it names. In AWS an S3 bucket whose
 * policy lets the control plane's role put objects; locally a folder under the data directory stands in for one.
 */
import type { BackupArtifact } from '../domain/backup-artifact.ts';

export interface BackupCopier {
  /** Copies the backup to `bucket` under `key`; answers where it went. Throws when the artifact cannot be copied. */
  copy(artifact: BackupArtifact, destination: { readonly bucket: string; readonly key: string }): Promise<string>;
}
