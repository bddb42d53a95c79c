/**
 * Member copies of backups in AWS (docs/architecture.md, "Fleet operations"): an archive of a node's chain data
 * (never its key) in the platform's backup bucket, `s3://<backup bucket>/<key>`, is copied server-side into the
 * bucket a member organisation named, with `bucket-owner-full-control` so the member owns what lands in its bucket.
 * The member's bucket policy grants the platform's fleet-operations role `s3:PutObject` on the prefix the copies go
 * to (the policy to paste is in the README). The bucket name is untrusted input: one S3 would not accept is refused
 * before any request. Only archives of the platform's own backup bucket are copied; a refusal names its reason
 * (the runner records it on the backup for that member and raises `backup.failed`; the backup itself stands).
 */
import { CopyObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BackupArtifact } from '../../domain/backup-artifact.ts';
import { assertBucketName } from '../../domain/bucket-name.ts';
import { InvalidStateError, UpstreamError, ValidationError } from '../../errors.ts';
import type { BackupCopier } from '../../ports/backup-copier.ts';

/** A single CopyObject copies at most 5 GiB. */
export const COPY_OBJECT_LIMIT_BYTES = 5 * 1024 ** 3;

/** `s3://bucket/key` of an archive in a bucket. */
export function archiveUri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

export interface S3BackupCopierOptions {
  readonly s3: S3Client;
  /** The platform's backup bucket, the only source copied from. */
  readonly backupBucket: string;
}

export class S3BackupCopier implements BackupCopier {
  constructor(private readonly options: S3BackupCopierOptions) {}

  async copy(artifact: BackupArtifact, destination: { bucket: string; key: string }): Promise<string> {
    const bucket = assertBucketName(destination.bucket);
    if (artifact.kind !== 'archive') {
      throw new InvalidStateError(`A ${artifact.kind} backup cannot be copied to a bucket; only archives can`);
    }
    const prefix = archiveUri(this.options.backupBucket, '');
    if (!artifact.ref.startsWith(prefix) || artifact.ref.length === prefix.length) {
      throw new ValidationError('Only archives in the platform’s backup bucket are copied');
    }
    if ((artifact.sizeBytes ?? 0) > COPY_OBJECT_LIMIT_BYTES) {
      throw new InvalidStateError('The archive exceeds the 5 GiB a single S3 copy takes');
    }
    if (!/^[A-Za-z0-9!_.*'()/-]{1,900}$/.test(destination.key) || destination.key.split('/').includes('..')) {
      throw new ValidationError('Not a key for a backup copy');
    }
    const sourceKey = artifact.ref.slice(prefix.length);
    try {
      await this.options.s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: destination.key,
          CopySource: `${this.options.backupBucket}/${sourceKey.split('/').map(encodeURIComponent).join('/')}`,
          ACL: 'bucket-owner-full-control',
        }),
      );
    } catch (error) {
      throw copyFailure(bucket, error);
    }
    return archiveUri(bucket, destination.key);
  }
}

function copyFailure(bucket: string, error: unknown): Error {
  const name = error instanceof Error ? error.name : 'UnknownError';
  const why: Record<string, string> = {
    AccessDenied:
      'the bucket’s policy does not let the platform’s fleet-operations role put objects there (see the README)',
    NoSuchBucket: 'the bucket does not exist',
    AllAccessDisabled: 'all access to the bucket is disabled',
    PermanentRedirect: 'the bucket is in another region than the platform',
  };
  const reason = why[name] ?? `S3 answered ${name}`;
  return new UpstreamError(`Copy to bucket ${bucket} failed: ${reason}`, { cause: error });
}
