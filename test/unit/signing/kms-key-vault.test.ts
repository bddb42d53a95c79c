import { randomBytes } from 'node:crypto';
import {
  CreateKeyCommand,
  DisabledException,
  DisableKeyCommand,
  EnableKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  KMSInvalidStateException,
  KMSServiceException,
  LimitExceededException,
  NotFoundException,
  ScheduleKeyDeletionCommand,
  SignCommand,
  type SignCommandInput,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { getBytes, recoverAddress, Signature } from 'ethers';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KmsKeyVault } from '../../../shared/adapters/aws/kms-key-vault.ts';
import { NotFoundError, TooManyRequestsError, UpstreamError, ValidationError } from '../../../shared/errors.ts';
import { SigningKeyUnavailableError } from '../../../shared/ports/key-vault.ts';
import { CURVE_ORDER, type EdgeCase, edgeCasesOf, findDigest, kmsLikeSign, newTestKey } from './secp256k1-fixtures.ts';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:eu-north-1:111122223333:key/${KEY_ID}`;
const metadata = { httpStatusCode: 400, requestId: 'b1a5e0c4-0000-4000-8000-000000000000', attempts: 1 };

const kms = mockClient(KMSClient);
const client = new KMSClient({ region: 'eu-north-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const key = newTestKey();

function answerLikeKms(onSigned: (der: Uint8Array) => void = () => {}) {
  kms.on(GetPublicKeyCommand).resolves({
    KeyId: KEY_ARN,
    PublicKey: key.spki,
    KeySpec: 'ECC_SECG_P256K1',
    KeyUsage: 'SIGN_VERIFY',
    SigningAlgorithms: ['ECDSA_SHA_256'],
  });
  kms.on(SignCommand).callsFake((input: SignCommandInput) => {
    const der = kmsLikeSign(input.Message!, key.secretKey);
    onSigned(der);
    return { KeyId: KEY_ARN, Signature: der, SigningAlgorithm: 'ECDSA_SHA_256' };
  });
}

function throttling(): KMSServiceException {
  return new KMSServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: metadata,
    message: 'Rate exceeded',
  });
}

function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

beforeEach(() => {
  kms.reset();
});

afterEach(() => {
  kms.reset();
});

describe('KmsKeyVault signing', () => {
  it('turns 1,000 KMS DER signatures into signatures that recover to the key address', async () => {
    const seen = new Map<EdgeCase, number>();
    answerLikeKms((der) => {
      for (const edge of edgeCasesOf(der)) seen.set(edge, (seen.get(edge) ?? 0) + 1);
    });
    const vault = new KmsKeyVault(client);
    const constructed = (['short-r', 'short-s', 'short-normalised-s', 'high-s'] as const).map((edge) =>
      findDigest(key.secretKey, edge),
    );
    const signAndCheck = async (digest: Uint8Array) => {
      const { r, s, v } = await vault.sign(KEY_ID, digest);
      expect(getBytes(r)).toHaveLength(32);
      expect(getBytes(s)).toHaveLength(32);
      expect(BigInt(s) <= CURVE_ORDER / 2n).toBe(true);
      expect([27, 28]).toContain(v);
      expect(recoverAddress(digest, Signature.from({ r, s, v }))).toBe(key.address);
    };
    for (const digest of constructed) await signAndCheck(digest);
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), signAndCheck), {
      numRuns: 1000 - constructed.length,
    });
    expect(kms.commandCalls(SignCommand)).toHaveLength(1000);
    // The run covered what breaks naive converters: high s, and r or s shorter than 32 bytes.
    expect(seen.get('high-s')).toBeGreaterThan(300);
    expect(seen.get('short-r')).toBeGreaterThan(0);
    expect(seen.get('short-s')).toBeGreaterThan(0);
    expect(seen.get('short-normalised-s')).toBeGreaterThan(0);
  });

  it('asks KMS to sign the digest as a digest with ECDSA_SHA_256', async () => {
    answerLikeKms();
    const digest = new Uint8Array(randomBytes(32));
    await new KmsKeyVault(client).sign(KEY_ID, digest);
    expect(kms.commandCalls(SignCommand)[0]!.args[0].input).toEqual({
      KeyId: KEY_ID,
      Message: digest,
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
  });

  it('reads the public key once for many signatures', async () => {
    answerLikeKms();
    const vault = new KmsKeyVault(client);
    await Promise.all(Array.from({ length: 20 }, () => vault.sign(KEY_ID, new Uint8Array(randomBytes(32)))));
    await vault.sign(KEY_ID, new Uint8Array(randomBytes(32)));
    expect(await vault.getPublicKey(KEY_ID)).toEqual({ address: key.address, publicKey: key.publicKey });
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
    expect(kms.commandCalls(SignCommand)).toHaveLength(21);
  });

  it('asks again for a public key whose first read failed', async () => {
    kms
      .on(GetPublicKeyCommand)
      .rejectsOnce(new KMSServiceException({ name: 'KMSInternalException', $fault: 'server', $metadata: metadata }))
      .resolves({ KeyId: KEY_ARN, PublicKey: key.spki, KeySpec: 'ECC_SECG_P256K1' });
    const vault = new KmsKeyVault(client);
    await expect(vault.getPublicKey(KEY_ID)).rejects.toThrow(UpstreamError);
    expect((await vault.getPublicKey(KEY_ID)).address).toBe(key.address);
  });

  it('refuses to sign with a disabled key with a named 409 error', async () => {
    answerLikeKms();
    kms.on(SignCommand).rejects(new DisabledException({ $metadata: metadata, message: `${KEY_ARN} is disabled.` }));
    const error = await new KmsKeyVault(client).sign(KEY_ID, new Uint8Array(32)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SigningKeyUnavailableError);
    expect(error).toMatchObject({ status: 409, keyState: 'disabled' });
    expect((error as Error).message).toMatch(/disabled and cannot sign/);
  });

  it('refuses to sign with a key pending deletion with a named 409 error', async () => {
    answerLikeKms();
    kms
      .on(SignCommand)
      .rejects(new KMSInvalidStateException({ $metadata: metadata, message: `${KEY_ARN} is pending deletion.` }));
    const error = await new KmsKeyVault(client).sign(KEY_ID, new Uint8Array(32)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SigningKeyUnavailableError);
    expect(error).toMatchObject({ status: 409, keyState: 'pending-deletion' });
  });

  it('answers 404 for a key KMS does not know', async () => {
    kms.on(GetPublicKeyCommand).rejects(new NotFoundException({ $metadata: metadata, message: 'Key not found' }));
    await expect(new KmsKeyVault(client).getPublicKey(KEY_ID)).rejects.toThrow(NotFoundError);
  });

  it('refuses a digest that is not 32 bytes without calling KMS', async () => {
    answerLikeKms();
    await expect(new KmsKeyVault(client).sign(KEY_ID, new Uint8Array(31))).rejects.toThrow(ValidationError);
    expect(kms.calls()).toHaveLength(0);
  });

  it('refuses a KMS key that is not secp256k1', async () => {
    kms.on(GetPublicKeyCommand).resolves({ KeyId: KEY_ARN, PublicKey: key.spki, KeySpec: 'ECC_NIST_P256' });
    await expect(new KmsKeyVault(client).getPublicKey(KEY_ID)).rejects.toThrow(/not a secp256k1 signing key/);
  });
});

describe('KmsKeyVault key creation', () => {
  it('creates a non-exportable secp256k1 signing key tagged with its organisation', async () => {
    answerLikeKms();
    kms.on(CreateKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, KeySpec: 'ECC_SECG_P256K1' } });
    const created = await new KmsKeyVault(client).createKey({
      orgId: 'org_abcdefghijklmnopqrst',
      alias: 'treasury',
      description: 'Votes for Region Skåne',
    });
    expect(created).toEqual({ keyRef: KEY_ID, address: key.address, publicKey: key.publicKey });
    expect(kms.commandCalls(CreateKeyCommand)[0]!.args[0].input).toEqual({
      KeySpec: 'ECC_SECG_P256K1',
      KeyUsage: 'SIGN_VERIFY',
      Description: 'Votes for Region Skåne',
      Tags: [
        { TagKey: 'carechain:org', TagValue: 'org_abcdefghijklmnopqrst' },
        { TagKey: 'carechain:alias', TagValue: 'treasury' },
      ],
    });
    expect(kms.commandCalls(GetPublicKeyCommand)[0]!.args[0].input).toEqual({ KeyId: KEY_ID });
  });

  it('retries a throttled CreateKey with growing, jittered delays until it succeeds', async () => {
    answerLikeKms();
    kms
      .on(CreateKeyCommand)
      .rejectsOnce(throttling())
      .rejectsOnce(new LimitExceededException({ $metadata: metadata, message: 'Rate exceeded' }))
      .rejectsOnce(throttling())
      .resolves({ KeyMetadata: { KeyId: KEY_ID } });
    const { delays, sleep } = recordingSleep();
    const vault = new KmsKeyVault(client, { sleep, random: () => 0.5, backoffBaseMs: 100 });
    const created = await vault.createKey({ orgId: 'org_abcdefghijklmnopqrst', alias: 'ops' });
    expect(created.keyRef).toBe(KEY_ID);
    expect(kms.commandCalls(CreateKeyCommand)).toHaveLength(4);
    expect(delays).toEqual([50, 100, 200]);
  });

  it('gives up on CreateKey after the bounded number of attempts with a 429', async () => {
    kms.on(CreateKeyCommand).rejects(throttling());
    const { delays, sleep } = recordingSleep();
    const vault = new KmsKeyVault(client, { sleep, createKeyMaxAttempts: 4, backoffBaseMs: 1000, backoffMaxMs: 3000 });
    const error = await vault.createKey({ orgId: 'org_abcdefghijklmnopqrst', alias: 'ops' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect((error as TooManyRequestsError).headers['retry-after']).toBeDefined();
    expect(kms.commandCalls(CreateKeyCommand)).toHaveLength(4);
    expect(delays).toHaveLength(3);
    delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(3000, 1000 * 2 ** i));
    });
  });

  it('does not retry a CreateKey failure that is not throttling', async () => {
    kms
      .on(CreateKeyCommand)
      .rejects(new KMSServiceException({ name: 'KMSInternalException', $fault: 'server', $metadata: metadata }));
    const vault = new KmsKeyVault(client, { sleep: async () => {} });
    await expect(vault.createKey({ orgId: 'org_abcdefghijklmnopqrst', alias: 'ops' })).rejects.toThrow(UpstreamError);
    expect(kms.commandCalls(CreateKeyCommand)).toHaveLength(1);
  });

  it('runs CreateKey calls one at a time, and a failed one does not stop the queue', async () => {
    answerLikeKms();
    let inFlight = 0;
    let maxInFlight = 0;
    let created = 0;
    kms.on(CreateKeyCommand).callsFake(async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      created++;
      if (created === 2)
        throw new KMSServiceException({ name: 'KMSInternalException', $fault: 'server', $metadata: metadata });
      return { KeyMetadata: { KeyId: `key-${created}` } };
    });
    const vault = new KmsKeyVault(client);
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) => vault.createKey({ orgId: 'org_abcdefghijklmnopqrst', alias: `k${i}` })),
    );
    expect(maxInFlight).toBe(1);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  });

  it('schedules a created key for deletion when its public key cannot be read', async () => {
    kms.on(CreateKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID } });
    kms
      .on(GetPublicKeyCommand)
      .rejects(new KMSServiceException({ name: 'KMSInternalException', $fault: 'server', $metadata: metadata }));
    kms.on(ScheduleKeyDeletionCommand).resolves({ KeyId: KEY_ARN, DeletionDate: new Date() });
    await expect(
      new KmsKeyVault(client).createKey({ orgId: 'org_abcdefghijklmnopqrst', alias: 'ops' }),
    ).rejects.toThrow(UpstreamError);
    expect(kms.commandCalls(ScheduleKeyDeletionCommand)[0]!.args[0].input).toEqual({
      KeyId: KEY_ID,
      PendingWindowInDays: 7,
    });
  });

  it('refuses an empty alias without calling KMS', async () => {
    await expect(new KmsKeyVault(client).createKey({ orgId: 'org_abcdefghijklmnopqrst', alias: ' ' })).rejects.toThrow(
      ValidationError,
    );
    expect(kms.calls()).toHaveLength(0);
  });
});

describe('KmsKeyVault key states', () => {
  it('disables and enables keys', async () => {
    kms.on(DisableKeyCommand).resolves({});
    kms.on(EnableKeyCommand).resolves({});
    const vault = new KmsKeyVault(client);
    await vault.disable(KEY_ID);
    await vault.enable(KEY_ID);
    expect(kms.commandCalls(DisableKeyCommand)[0]!.args[0].input).toEqual({ KeyId: KEY_ID });
    expect(kms.commandCalls(EnableKeyCommand)[0]!.args[0].input).toEqual({ KeyId: KEY_ID });
  });

  it('schedules deletion after 30 days by default and returns the date KMS gives', async () => {
    const deletionDate = new Date('2026-07-01T00:00:00Z');
    kms
      .on(ScheduleKeyDeletionCommand)
      .resolves({ KeyId: KEY_ARN, DeletionDate: deletionDate, KeyState: 'PendingDeletion', PendingWindowInDays: 30 });
    expect(await new KmsKeyVault(client).scheduleDeletion(KEY_ID)).toEqual({ deletionDate });
    expect(kms.commandCalls(ScheduleKeyDeletionCommand)[0]!.args[0].input).toEqual({
      KeyId: KEY_ID,
      PendingWindowInDays: 30,
    });
  });

  it.each([7, 30])('accepts a waiting period of %i days', async (days) => {
    kms.on(ScheduleKeyDeletionCommand).resolves({ KeyId: KEY_ARN, DeletionDate: new Date() });
    await new KmsKeyVault(client).scheduleDeletion(KEY_ID, days);
    expect(kms.commandCalls(ScheduleKeyDeletionCommand)[0]!.args[0].input.PendingWindowInDays).toBe(days);
  });

  it.each([0, 6, 31, 7.5, Number.NaN])('refuses a waiting period of %s days without calling KMS', async (days) => {
    const error = await new KmsKeyVault(client).scheduleDeletion(KEY_ID, days).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields[0]?.path).toBe('pendingWindowDays');
    expect(kms.calls()).toHaveLength(0);
  });

  it('refuses to enable a key pending deletion with the named error', async () => {
    kms
      .on(EnableKeyCommand)
      .rejects(new KMSInvalidStateException({ $metadata: metadata, message: `${KEY_ARN} is pending deletion.` }));
    await expect(new KmsKeyVault(client).enable(KEY_ID)).rejects.toThrow(SigningKeyUnavailableError);
  });
});
