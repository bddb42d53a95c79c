/**
 * Member copies of backup archives in AWS against aws-sdk-client-mock with S3's real answers: a server-side
 * CopyObject from the platform's backup bucket into the member's bucket with `bucket-owner-full-control`; a member
 * bucket name S3 would not accept is refused before any request; only archives of the platform's backup bucket are
 * copied; S3's refusals (the member's policy does not grant the platform, no such bucket) become reasons a member can
 * act on.
 */
import { CopyObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3BackupCopier } from '../../../shared/adapters/aws/s3-backup-copier.ts';
import { isBucketName } from '../../../shared/domain/bucket-name.ts';
import { InvalidStateError, UpstreamError, ValidationError } from '../../../shared/errors.ts';

const s3 = mockClient(S3Client);
const PLATFORM = 'carechain-prod-node-backups-123456789012';
const ARCHIVE = {
  kind: 'archive' as const,
  ref: `s3://${PLATFORM}/archives/arn:aws:ec2:eu-north-1:123456789012:instance/i-0a1b2c3d4e5f60718/bkp_1.tar.gz`,
  sizeBytes: 734_003_200,
};
const KEY = 'carechain/net_aaaaaaaaaaaaaaaaaaaa/bkp_1.tar.gz';
const copier = () => new S3BackupCopier({ s3: new S3Client({ region: 'eu-north-1' }), backupBucket: PLATFORM });

function s3Refusal(name: string, message: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', message, $metadata: { httpStatusCode: status } });
}

beforeEach(() => {
  s3.reset();
  s3.on(CopyObjectCommand).resolves({
    CopyObjectResult: { ETag: '"9b2cf535f27731c974343645a3985328"', LastModified: new Date('2026-03-01T12:00:00Z') },
    VersionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo',
  });
});

describe('S3BackupCopier', () => {
  it('copies the archive server-side into the member’s bucket, owned by the member', async () => {
    const location = await copier().copy(ARCHIVE, { bucket: 'karolinska-carechain-backups', key: KEY });
    expect(location).toBe(`s3://karolinska-carechain-backups/${KEY}`);
    expect(s3.commandCalls(CopyObjectCommand).map((call) => call.args[0].input)).toEqual([
      {
        Bucket: 'karolinska-carechain-backups',
        Key: KEY,
        CopySource: `${PLATFORM}/archives/arn%3Aaws%3Aec2%3Aeu-north-1%3A123456789012%3Ainstance/i-0a1b2c3d4e5f60718/bkp_1.tar.gz`,
        ACL: 'bucket-owner-full-control',
      },
    ]);
  });

  it('refuses, before any request, a member bucket name S3 would not accept', async () => {
    for (const bucket of [
      'Karolinska',
      'a',
      '192.168.1.10',
      'my..bucket',
      'xn--bucket',
      'bucket-s3alias',
      'bucket/../other',
      'evil bucket',
      `${'a'.repeat(64)}`,
    ]) {
      await expect(copier().copy(ARCHIVE, { bucket, key: KEY })).rejects.toThrow(ValidationError);
    }
    expect(isBucketName('region-stockholm.backups-2026')).toBe(true);
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
  });

  it('copies only archives of the platform’s backup bucket, within one CopyObject’s size', async () => {
    const bucket = 'karolinska-carechain-backups';
    await expect(
      copier().copy({ kind: 'ebs-snapshot', ref: 'snap-0123456789abcdef0' }, { bucket, key: KEY }),
    ).rejects.toThrow(InvalidStateError);
    await expect(
      copier().copy({ ...ARCHIVE, ref: 's3://someone-elses-bucket/x.tar.gz' }, { bucket, key: KEY }),
    ).rejects.toThrow(ValidationError);
    await expect(copier().copy({ ...ARCHIVE, sizeBytes: 6 * 1024 ** 3 }, { bucket, key: KEY })).rejects.toThrow(
      /5 GiB/,
    );
    await expect(copier().copy(ARCHIVE, { bucket, key: '../escape' })).rejects.toThrow(ValidationError);
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
  });

  it('turns S3’s refusals into reasons the member can act on', async () => {
    s3.on(CopyObjectCommand)
      .rejectsOnce(s3Refusal('AccessDenied', 'Access Denied', 403))
      .rejectsOnce(s3Refusal('NoSuchBucket', 'The specified bucket does not exist', 404))
      .rejectsOnce(s3Refusal('SlowDown', 'Please reduce your request rate.', 503));
    const bucket = 'karolinska-carechain-backups';
    await expect(copier().copy(ARCHIVE, { bucket, key: KEY })).rejects.toThrow(
      /karolinska-carechain-backups failed: the bucket’s policy does not let the platform’s fleet-operations role put objects/,
    );
    await expect(copier().copy(ARCHIVE, { bucket, key: KEY })).rejects.toThrow(/the bucket does not exist/);
    await expect(copier().copy(ARCHIVE, { bucket, key: KEY })).rejects.toThrow(UpstreamError);
  });
});
