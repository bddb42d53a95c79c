/**
 * S3 bucket names a member organisation gives for copies of its backups are untrusted input: a name is accepted only
 * when it follows Amazon S3's naming rules for general purpose buckets (3–63 characters; lower-case letters, digits,
 * dots and hyphens; starts and ends with a letter or digit; no two adjacent dots; not shaped like an IP address; none
 * of the prefixes and suffixes S3 reserves). Anything else cannot be a bucket, and is never put in a request.
 */
import { ValidationError } from '../errors.ts';

const SHAPE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

export function isBucketName(name: string): boolean {
  return (
    SHAPE.test(name) &&
    !name.includes('..') &&
    !IP_ADDRESS.test(name) &&
    !RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix)) &&
    !RESERVED_SUFFIXES.some((suffix) => name.endsWith(suffix))
  );
}

export function assertBucketName(name: string): string {
  if (!isBucketName(name)) throw new ValidationError(`${JSON.stringify(name.slice(0, 80))} is not an S3 bucket name`);
  return name;
}
