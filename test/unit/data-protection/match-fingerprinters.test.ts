/**
 * The evidence fingerprint in both modes: an HMAC-SHA-256 of a digest under a platform-held key. Locally the key is
 * a 0600 file beside the vault's master key, the same across restarts and different between installations, and
 * refused when others may read it; in AWS it is KMS GenerateMac with the evidence key, which receives the digest
 * only (answered as KMS answers, through aws-sdk-client-mock).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { KmsMatchFingerprinter } from '../../../shared/adapters/aws/kms-match-fingerprinter.ts';
import { LocalKeyVault, LocalVaultStartupError } from '../../../shared/adapters/local/local-key-vault.ts';
import { LocalMatchFingerprinter } from '../../../shared/adapters/local/local-match-fingerprinter.ts';
import { PlatformError } from '../../../shared/errors.ts';

const digestOf = (value: string) => createHash('sha256').update(value).digest();

describe('LocalMatchFingerprinter', () => {
  const vaultDir = () => new LocalKeyVault(mkdtempSync(join(tmpdir(), 'carechain-evidence-'))).vaultDir;

  it('is an HMAC-SHA-256 under a 32-byte key kept 0600 beside the vault', async () => {
    const dir = vaultDir();
    const fingerprint = await new LocalMatchFingerprinter(dir).fingerprintDigest(digestOf('191212121212'));
    const key = readFileSync(join(dir, 'evidence.key'));
    expect(key).toHaveLength(32);
    expect(statSync(join(dir, 'evidence.key')).mode & 0o777).toBe(0o600);
    expect(fingerprint).toBe(`hmac-sha256:${createHmac('sha256', key).update(digestOf('191212121212')).digest('hex')}`);
  });

  it('gives the same fingerprint after a restart and another one in another installation', async () => {
    const dir = vaultDir();
    const digest = digestOf('anna@region.se');
    const first = await new LocalMatchFingerprinter(dir).fingerprintDigest(digest);
    expect(await new LocalMatchFingerprinter(dir).fingerprintDigest(digest)).toBe(first);
    expect(await new LocalMatchFingerprinter(vaultDir()).fingerprintDigest(digest)).not.toBe(first);
  });

  it('refuses a key file others may read', () => {
    const dir = vaultDir();
    new LocalMatchFingerprinter(dir);
    chmodSync(join(dir, 'evidence.key'), 0o644);
    expect(() => new LocalMatchFingerprinter(dir)).toThrow(LocalVaultStartupError);
  });
});

describe('KmsMatchFingerprinter', () => {
  const kms = mockClient(KMSClient);
  const client = new KMSClient({ region: 'eu-north-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const KEY_ARN = 'arn:aws:kms:eu-north-1:111122223333:key/0b3c6a2e-1f4d-4e5a-9b6c-7d8e9f0a1b2c';
  afterEach(() => kms.reset());

  it('asks KMS for an HMAC_SHA_256 MAC of the digest and shows it as hex', async () => {
    const mac = randomBytes(32);
    kms.on(GenerateMacCommand).resolves({ Mac: mac, KeyId: KEY_ARN, MacAlgorithm: 'HMAC_SHA_256' });
    const digest = digestOf('191212121212');
    const fingerprint = await new KmsMatchFingerprinter(client, KEY_ARN).fingerprintDigest(digest);
    expect(fingerprint).toBe(`hmac-sha256:${mac.toString('hex')}`);
    const sent = kms.commandCalls(GenerateMacCommand)[0]?.args[0].input;
    expect(sent).toEqual({ KeyId: KEY_ARN, Message: digest, MacAlgorithm: 'HMAC_SHA_256' });
  });

  it('fails as the platform’s own failure when KMS answers without a MAC', async () => {
    kms.on(GenerateMacCommand).resolves({ KeyId: KEY_ARN, MacAlgorithm: 'HMAC_SHA_256' });
    await expect(new KmsMatchFingerprinter(client, KEY_ARN).fingerprintDigest(digestOf('x'))).rejects.toThrow(
      PlatformError,
    );
  });
});
