/**
 * `KeyVault` on AWS KMS: one asymmetric `ECC_SECG_P256K1` key per signing key, tagged with its organisation so
 * IAM can scope access by `aws:ResourceTag/carechain:org`. Private keys never leave KMS; KMS signs digests and
 * answers DER, which is turned into an Ethereum signature by recovering the key's address.
 *
 * A tenant's vault is built on a client holding that organisation's tenant session (`scopedTo`): IAM then lets it
 * use and create only keys tagged with that organisation, and its refusals are answered as the tenant boundary's
 * (`TenantAccessDeniedError`, 404). The function's own vault holds the platform key only.
 */
import {
  CreateKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  GetPublicKeyCommand,
  type KMSClient,
  ScheduleKeyDeletionCommand,
  SignCommand,
} from '@aws-sdk/client-kms';
import { hexlify } from 'ethers/utils';
import {
  NotFoundError,
  PlatformError,
  TenantAccessDeniedError,
  TooManyRequestsError,
  UpstreamError,
} from '../../errors.ts';
import { lazyOnce } from '../../lazy-once.ts';
import {
  type CreatedKey,
  type CreateKeyInput,
  DEFAULT_PENDING_WINDOW_DAYS,
  type DigestSignature,
  type KeyRef,
  type KeyVault,
  MIN_PENDING_WINDOW_DAYS,
  type PublicKeyInfo,
  type ScheduledDeletion,
  SigningKeyUnavailableError,
  validateCreateKeyInput,
  validateDigest,
  validatePendingWindowDays,
} from '../../ports/key-vault.ts';

export const ORG_TAG = 'carechain:org';
export const ALIAS_TAG = 'carechain:alias';

/**
 * The DER-to-Ethereum conversion (shared/chain/signature.ts), with the secp256k1 arithmetic it checks signatures
 * with (@noble/curves; 42 KiB of the API's bundle with it), loaded at the first signature: a cold start of the API
 * does not read it.
 */
const loadSignatureConversion = lazyOnce(() => import('../../chain/signature.ts'));
/** ethers' address of a public key, at the first key read (shared/chain/ethers-signing.ts). */
const loadAddressDerivation = lazyOnce(() => import('../../chain/ethers-signing.ts'));

/** KMS errors that mean "slow down": CreateKey is limited to a few requests per second per account. */
const THROTTLING_ERRORS = new Set(['ThrottlingException', 'LimitExceededException']);

export interface KmsKeyVaultOptions {
  /**
   * The organisation whose tenant session the client holds. IAM's refusals are then the tenant boundary's (another
   * organisation's key); without it they are the deployment's (a missing grant). @default the function's own role
   */
  readonly scopedTo?: string;
  /** Attempts for one CreateKey while KMS throttles, the first included. @default 6 */
  readonly createKeyMaxAttempts?: number;
  /** Upper bound of the first backoff delay, doubled on each retry (full jitter). @default 250 */
  readonly backoffBaseMs?: number;
  /** Upper bound of any single backoff delay. @default 8000 */
  readonly backoffMaxMs?: number;
  /** Public keys kept in memory; the oldest is dropped beyond this. @default 10000 */
  readonly publicKeyCacheSize?: number;
  /** @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
}

export class KmsKeyVault implements KeyVault {
  private readonly publicKeys = new Map<KeyRef, Promise<PublicKeyInfo>>();
  /** Tail of the CreateKey queue: creations run one after another so a burst does not trip the KMS rate limit. */
  private creationTail: Promise<unknown> = Promise.resolve();
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly cacheSize: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly scopedTo: string | undefined;

  /** @param kms one client for the process: it keeps its connections and credentials between calls */
  constructor(
    private readonly kms: KMSClient,
    options: KmsKeyVaultOptions = {},
  ) {
    this.maxAttempts = Math.max(1, options.createKeyMaxAttempts ?? 6);
    this.backoffBaseMs = options.backoffBaseMs ?? 250;
    this.backoffMaxMs = options.backoffMaxMs ?? 8000;
    this.cacheSize = Math.max(1, options.publicKeyCacheSize ?? 10_000);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.scopedTo = options.scopedTo;
  }

  async createKey(input: CreateKeyInput): Promise<CreatedKey> {
    const { orgId, alias, description } = validateCreateKeyInput(input);
    const created = this.creationTail.then(() => this.createWithBackoff(orgId, alias, description));
    this.creationTail = created.catch(() => undefined);
    const keyRef = await created;
    try {
      return { keyRef, ...(await this.getPublicKey(keyRef)) };
    } catch (error) {
      // Nobody will ever learn of a key whose creation is reported as failed: don't leave it behind in KMS.
      const cleanup = await this.kms
        .send(new ScheduleKeyDeletionCommand({ KeyId: keyRef, PendingWindowInDays: MIN_PENDING_WINDOW_DAYS }))
        .then(
          () => undefined,
          (cleanupError: unknown) => cleanupError,
        );
      throw new UpstreamError('AWS KMS created the signing key but its public key could not be read', {
        cause: cleanup === undefined ? error : new AggregateError([error, cleanup], 'cleanup failed too'),
      });
    }
  }

  getPublicKey(keyRef: KeyRef): Promise<PublicKeyInfo> {
    const cached = this.publicKeys.get(keyRef);
    if (cached) return cached;
    const loading = this.fetchPublicKey(keyRef);
    this.publicKeys.set(keyRef, loading);
    if (this.publicKeys.size > this.cacheSize) {
      const oldest = this.publicKeys.keys().next().value;
      if (oldest !== undefined) this.publicKeys.delete(oldest);
    }
    // A failed read (disabled key, network) must not stick: the next call asks KMS again.
    loading.catch(() => {
      if (this.publicKeys.get(keyRef) === loading) this.publicKeys.delete(keyRef);
    });
    return loading;
  }

  async sign(keyRef: KeyRef, digest: Uint8Array): Promise<DigestSignature> {
    validateDigest(digest);
    const [{ address, publicKey }, response, { ethereumSignatureFromDer }] = await Promise.all([
      this.getPublicKey(keyRef),
      this.call('sign', () =>
        this.kms.send(
          new SignCommand({
            KeyId: keyRef,
            Message: digest,
            MessageType: 'DIGEST',
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        ),
      ),
      loadSignatureConversion(),
    ]);
    if (!response.Signature) throw new UpstreamError('AWS KMS answered Sign without a signature');
    const signature = ethereumSignatureFromDer(response.Signature, digest, address, publicKey);
    return { r: signature.r, s: signature.s, v: signature.v };
  }

  async disable(keyRef: KeyRef): Promise<void> {
    await this.call('be disabled', () => this.kms.send(new DisableKeyCommand({ KeyId: keyRef })));
  }

  async enable(keyRef: KeyRef): Promise<void> {
    await this.call('be enabled', () => this.kms.send(new EnableKeyCommand({ KeyId: keyRef })));
  }

  async scheduleDeletion(keyRef: KeyRef, pendingWindowDays = DEFAULT_PENDING_WINDOW_DAYS): Promise<ScheduledDeletion> {
    const days = validatePendingWindowDays(pendingWindowDays);
    const response = await this.call('be scheduled for deletion', () =>
      this.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyRef, PendingWindowInDays: days })),
    );
    return { deletionDate: response.DeletionDate ?? new Date(Date.now() + days * 86_400_000) };
  }

  private async createWithBackoff(orgId: string, alias: string, description: string | undefined): Promise<KeyRef> {
    const command = new CreateKeyCommand({
      KeySpec: 'ECC_SECG_P256K1',
      KeyUsage: 'SIGN_VERIFY',
      Description: description ?? `CareChain signing key ${alias}`,
      Tags: [
        { TagKey: ORG_TAG, TagValue: orgId },
        { TagKey: ALIAS_TAG, TagValue: alias },
      ],
    });
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.kms.send(command);
        const keyId = response.KeyMetadata?.KeyId;
        if (!keyId) throw new UpstreamError('AWS KMS answered CreateKey without a key id');
        return keyId;
      } catch (error) {
        if (!isThrottling(error)) return this.refused(error, 'be created');
        if (attempt >= this.maxAttempts) {
          throw new TooManyRequestsError('Signing keys are being created faster than AWS KMS allows; try again', 5);
        }
        const ceiling = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (attempt - 1));
        await this.sleep(Math.floor(this.random() * ceiling));
      }
    }
  }

  private async fetchPublicKey(keyRef: KeyRef): Promise<PublicKeyInfo> {
    const response = await this.call('share its public key', () =>
      this.kms.send(new GetPublicKeyCommand({ KeyId: keyRef })),
    );
    const spki = response.PublicKey;
    if (response.KeySpec && response.KeySpec !== 'ECC_SECG_P256K1') {
      throw new UpstreamError(`AWS KMS key is ${response.KeySpec}, not a secp256k1 signing key`);
    }
    // SPKI DER for secp256k1 ends with the BIT STRING contents: the 65-byte uncompressed point 04 || X || Y.
    if (!spki || spki.length < 65 || spki[spki.length - 65] !== 0x04) {
      throw new UpstreamError('AWS KMS returned a public key that is not an uncompressed secp256k1 point');
    }
    const publicKey = hexlify(spki.subarray(spki.length - 65));
    const { computeAddress } = await loadAddressDerivation();
    return { address: computeAddress(publicKey), publicKey };
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      return this.refused(error, operation);
    }
  }

  private refused(error: unknown, operation: string): never {
    if (errorName(error) === 'AccessDeniedException') {
      if (this.scopedTo !== undefined) throw new TenantAccessDeniedError({ cause: error });
      throw new PlatformError(`AWS KMS refused the function's role: the signing key could not ${operation}`, {
        cause: error,
      });
    }
    return mapKmsError(error, operation);
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function isThrottling(error: unknown): boolean {
  return THROTTLING_ERRORS.has(errorName(error));
}

/** KMS faults a tenant can act on become named 4xx errors; the rest are the dependency's fault (502). */
function mapKmsError(error: unknown, operation: string): never {
  const name = errorName(error);
  if (name === 'DisabledException') throw new SigningKeyUnavailableError('disabled', operation, { cause: error });
  if (name === 'KMSInvalidStateException') {
    const pending = error instanceof Error && /pending deletion|pendingdeletion/i.test(error.message);
    throw new SigningKeyUnavailableError(pending ? 'pending-deletion' : 'unknown', operation, { cause: error });
  }
  if (name === 'NotFoundException' || name === 'InvalidArnException') {
    throw new NotFoundError('Signing key not found', { cause: error });
  }
  if (isThrottling(error)) throw new TooManyRequestsError('AWS KMS is throttling signing requests; try again', 1);
  throw new UpstreamError(`AWS KMS failed: the signing key could not ${operation}`, { cause: error });
}
