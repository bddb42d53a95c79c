/**
 * Port for per-tenant signing keys: secp256k1 keys that sign 32-byte digests and never leave their vault.
 * Implemented by `KmsKeyVault` (AWS KMS, aws mode) and `LocalKeyVault` (encrypted files, local mode); both follow
 * the KMS key-state rules below, so the app behaves the same in either mode.
 *
 * Key states: `enabled` → (`disable`) → `disabled` → (`enable`) → `enabled`; either can be scheduled for deletion
 * (`pending-deletion`, 7–30 days), after which the key is gone for good. Only an enabled key signs; a key that is
 * not enabled answers `sign` with `SigningKeyUnavailableError`.
 */
import type { SigningKeyState } from '../domain/signing-key.ts';
import { InvalidStateError, ValidationError } from '../errors.ts';

/** Opaque vault reference of a key: a KMS KeyId or a local key id. Never key material. */
export type KeyRef = string;

export type KeyState = SigningKeyState;

export interface CreateKeyInput {
  /** Owning organisation; recorded on the key (KMS tag `carechain:org`) so access can be scoped by it. */
  readonly orgId: string;
  /** Human-readable name chosen by the organisation (KMS tag `carechain:alias`). */
  readonly alias: string;
  readonly description?: string;
}

export interface PublicKeyInfo {
  /** Checksummed Ethereum address of the key. */
  readonly address: string;
  /** Uncompressed SEC1 public key: `0x04` followed by X and Y, 65 bytes as hex. */
  readonly publicKey: string;
}

export interface CreatedKey extends PublicKeyInfo {
  readonly keyRef: KeyRef;
}

/**
 * An Ethereum-ready secp256k1 signature. `r` and `s` are 32-byte `0x` hex, `s` is always in the lower half of the
 * curve order (EIP-2), and `v` is 27 or 28 (the recovery id plus 27, as in ethers' `Signature.v`; the EIP-1559
 * `yParity` is `v - 27`).
 */
export interface DigestSignature {
  readonly r: string;
  readonly s: string;
  readonly v: 27 | 28;
}

export interface ScheduledDeletion {
  readonly deletionDate: Date;
}

export interface KeyVault {
  createKey(input: CreateKeyInput): Promise<CreatedKey>;
  /**
   * The key's public half. Available in every state while the key exists; KMS refuses it for a key that is not
   * enabled when it was never read before, so callers keep the address that `createKey` returned.
   */
  getPublicKey(keyRef: KeyRef): Promise<PublicKeyInfo>;
  /** Signs a 32-byte digest as is (no further hashing). */
  sign(keyRef: KeyRef, digest: Uint8Array): Promise<DigestSignature>;
  disable(keyRef: KeyRef): Promise<void>;
  enable(keyRef: KeyRef): Promise<void>;
  /** Schedules deletion after a waiting period of 7–30 days (default 30); the key cannot sign meanwhile. */
  scheduleDeletion(keyRef: KeyRef, pendingWindowDays?: number): Promise<ScheduledDeletion>;
}

export const DEFAULT_PENDING_WINDOW_DAYS = 30;
export const MIN_PENDING_WINDOW_DAYS = 7;
export const MAX_PENDING_WINDOW_DAYS = 30;

/** The key exists but its state does not allow the operation (signing with a disabled key, for example). */
export class SigningKeyUnavailableError extends InvalidStateError {
  /** @param operation what was refused, completing "the key cannot …" (e.g. `sign`) */
  constructor(
    readonly keyState: Exclude<KeyState, 'enabled'> | 'unknown',
    operation: string,
    options?: { cause?: unknown },
  ) {
    super(SigningKeyUnavailableError.describe(keyState, operation), options);
  }

  private static describe(keyState: string, operation: string): string {
    if (keyState === 'disabled') return `The signing key is disabled and cannot ${operation}; enable it first.`;
    if (keyState === 'pending-deletion') {
      return `The signing key is scheduled for deletion and cannot ${operation}.`;
    }
    return `The signing key is not in a state that allows it to ${operation}.`;
  }
}

/** Checks the deletion waiting period that KMS accepts, so both vaults refuse the same values. */
export function validatePendingWindowDays(days: number): number {
  if (!Number.isInteger(days) || days < MIN_PENDING_WINDOW_DAYS || days > MAX_PENDING_WINDOW_DAYS) {
    throw new ValidationError('The deletion waiting period is not valid', [
      {
        path: 'pendingWindowDays',
        message: `must be a whole number of days from ${MIN_PENDING_WINDOW_DAYS} to ${MAX_PENDING_WINDOW_DAYS}`,
      },
    ]);
  }
  return days;
}

export function validateDigest(digest: Uint8Array): Uint8Array {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) {
    throw new ValidationError('A digest to sign must be exactly 32 bytes', [
      { path: 'digest', message: 'must be 32 bytes' },
    ]);
  }
  return digest;
}

/** KMS limits: tag values up to 256 characters, descriptions up to 8192. */
export function validateCreateKeyInput(input: CreateKeyInput): CreateKeyInput {
  const fields: { path: string; message: string }[] = [];
  if (typeof input.orgId !== 'string' || input.orgId.length === 0 || input.orgId.length > 256) {
    fields.push({ path: 'orgId', message: 'must be 1–256 characters' });
  }
  if (typeof input.alias !== 'string' || input.alias.trim().length === 0 || input.alias.length > 256) {
    fields.push({ path: 'alias', message: 'must be 1–256 characters' });
  }
  if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > 8192)) {
    fields.push({ path: 'description', message: 'must be at most 8192 characters' });
  }
  if (fields.length > 0) throw new ValidationError('The signing key request is not valid', fields);
  return input;
}
