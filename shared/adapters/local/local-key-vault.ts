/**
 * `KeyVault` for local mode: secp256k1 keys made from the OS CSPRNG, each kept in its own file under
 * `<dataDir>/vault/keys/`, the private key sealed with AES-256-GCM under a master key in `<dataDir>/vault/master.key`
 * (0600, directory 0700). Key states follow KMS (enabled, disabled, pending deletion with a date) so local mode
 * behaves as aws mode does. A key past its deletion date is erased on next access or by `purgeExpiredKeys`.
 *
 * An enabled key that signed is kept unsealed in this process's memory for a short while (`unsealedKeepMs`, 2 s by
 * default; zeroed when it lapses or is evicted), as KMS keeps a key in its HSM's memory between requests: the
 * signatures that follow read no file and decrypt nothing. Disabling, enabling or scheduling deletion through this
 * vault drops it at once, so this process never signs with a key it was told to stop; a change written to the
 * directory by another process is seen within the bound.
 *
 * Signatures are made by libsecp256k1 (Bitcoin Core's constant-time library, as WebAssembly in tiny-secp256k1):
 * the same RFC 6979 signatures as @noble/curves, which makes the keys, about four times faster (about 100 against
 * 410 µs a signature on the reference machine), and a signature is the vault's work on every signing request. It
 * zeroes its copy of the key after each signature (noble's were big integers, which cannot be zeroed).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { computeAddress } from 'ethers/transaction';
import { hexlify } from 'ethers/utils';
import { LRUCache } from 'lru-cache';
import { signRecoverable } from 'tiny-secp256k1';
import * as z from 'zod';
import { randomBase32 } from '../../domain/ids.ts';
import { NotFoundError, PlatformError } from '../../errors.ts';
import {
  type CreatedKey,
  type CreateKeyInput,
  DEFAULT_PENDING_WINDOW_DAYS,
  type DigestSignature,
  type KeyRef,
  type KeyVault,
  type PublicKeyInfo,
  type ScheduledDeletion,
  SigningKeyUnavailableError,
  validateCreateKeyInput,
  validateDigest,
  validatePendingWindowDays,
} from '../../ports/key-vault.ts';
import { loadOrCreateSecretFile } from './secret-file.ts';

export interface Clock {
  now(): Date;
}

const systemClock: Clock = { now: () => new Date() };

/** How long an enabled key that signed stays unsealed in memory. */
const UNSEALED_KEEP_MS = 2_000;
/** Keys kept unsealed at most; the least recently used is zeroed beyond this. */
const UNSEALED_MAX_KEYS = 256;
const DAY_MS = 86_400_000;
const KEY_REF_PATTERN = /^lkv_[a-z2-7]{26}$/;

export { LocalVaultStartupError } from './secret-file.ts';

/** A stored key failed authentication: its file was altered, or it was sealed under another master key. */
export class LocalVaultIntegrityError extends PlatformError {}

const SealedSecret = z.object({
  algorithm: z.literal('aes-256-gcm'),
  iv: z.base64(),
  ciphertext: z.base64(),
  tag: z.base64(),
});

const StoredKey = z.object({
  version: z.literal(1),
  keyRef: z.string().regex(KEY_REF_PATTERN),
  orgId: z.string(),
  alias: z.string(),
  description: z.string().nullable(),
  address: z.string(),
  publicKey: z.string(),
  createdAt: z.iso.datetime(),
  state: z.enum(['enabled', 'disabled', 'pending-deletion']),
  deletionDate: z.iso.datetime().nullable(),
  secret: SealedSecret,
});
type StoredKey = z.infer<typeof StoredKey>;

/** An enabled key's private half, unsealed, and until when it may be used without reading its file again. */
interface UnsealedKey {
  readonly secretKey: Uint8Array;
  readonly keepUntil: number;
}

export interface LocalKeyVaultOptions {
  /** Milliseconds an enabled key that signed stays unsealed in memory; 0 reads and unseals on every signature. @default 2000 */
  readonly unsealedKeepMs?: number;
}

export class LocalKeyVault implements KeyVault {
  readonly vaultDir: string;
  private readonly keysDir: string;
  private readonly masterKey: Buffer;
  /** Per-key tail of pending state changes, so concurrent changes to one key apply in order. */
  private readonly keyLocks = new Map<KeyRef, Promise<unknown>>();
  /** Enabled keys that signed recently, unsealed; zeroed when dropped. Never logged, returned or written. */
  private readonly unsealed: LRUCache<KeyRef, UnsealedKey>;
  /** Bumped by every state change of a key, so a signature read before the change does not keep the key after it. */
  private readonly generations = new Map<KeyRef, number>();
  private readonly unsealedKeepMs: number;

  /**
   * Opens (or on first start creates) the vault. Synchronous so that a vault that must not be used stops the
   * process before it serves anything.
   * @throws LocalVaultStartupError when the master key file is readable by group or others, or damaged
   */
  constructor(
    dataDir: string,
    private readonly clock: Clock = systemClock,
    options: LocalKeyVaultOptions = {},
  ) {
    this.unsealedKeepMs = options.unsealedKeepMs ?? UNSEALED_KEEP_MS;
    // The bound is kept by the vault's clock; the cache's own timer also zeroes a key left unused past it.
    this.unsealed = new LRUCache<KeyRef, UnsealedKey>({
      max: UNSEALED_MAX_KEYS,
      ...(this.unsealedKeepMs > 0 ? { ttl: this.unsealedKeepMs, ttlAutopurge: true } : {}),
      dispose: (kept) => kept.secretKey.fill(0),
    });
    this.vaultDir = join(dataDir, 'vault');
    this.keysDir = join(this.vaultDir, 'keys');
    mkdirSync(this.keysDir, { recursive: true, mode: 0o700 });
    chmodSync(this.vaultDir, 0o700);
    chmodSync(this.keysDir, 0o700);
    this.masterKey = loadOrCreateSecretFile(join(this.vaultDir, 'master.key'), 'the master key');
  }

  /**
   * A 256-bit key for another local secret store (webhook signing secrets), derived from the master key with
   * HKDF-SHA256 under `purpose`, so no two uses share a key and no second key file needs guarding.
   */
  derivedKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.masterKey, Buffer.alloc(0), `carechain:${purpose}`, 32));
  }

  async createKey(input: CreateKeyInput): Promise<CreatedKey> {
    const { orgId, alias, description } = validateCreateKeyInput(input);
    const keyRef = `lkv_${randomBase32(26)}`;
    const secretKey = secp256k1.utils.randomSecretKey();
    const publicKey = hexlify(secp256k1.getPublicKey(secretKey, false));
    const address = computeAddress(publicKey);
    const record: StoredKey = {
      version: 1,
      keyRef,
      orgId,
      alias,
      description: description ?? null,
      address,
      publicKey,
      createdAt: this.clock.now().toISOString(),
      state: 'enabled',
      deletionDate: null,
      secret: this.seal(secretKey, keyRef, address),
    };
    secretKey.fill(0);
    await this.write(record);
    return { keyRef, address, publicKey };
  }

  async getPublicKey(keyRef: KeyRef): Promise<PublicKeyInfo> {
    const { address, publicKey } = await this.read(keyRef);
    return { address, publicKey };
  }

  /** The organisation a key was created for (its `carechain:org` tag in KMS terms). */
  async ownerOf(keyRef: KeyRef): Promise<string> {
    return (await this.read(keyRef)).orgId;
  }

  async sign(keyRef: KeyRef, digest: Uint8Array): Promise<DigestSignature> {
    validateDigest(digest);
    const now = this.clock.now().getTime();
    const kept = this.unsealed.get(keyRef);
    if (kept && kept.keepUntil > now) return signDigest(digest, kept.secretKey);
    if (kept) this.unsealed.delete(keyRef);
    const generation = this.generations.get(keyRef) ?? 0;
    const record = await this.read(keyRef);
    if (record.state !== 'enabled') throw new SigningKeyUnavailableError(record.state, 'sign');
    const secretKey = this.unseal(record);
    try {
      return signDigest(digest, secretKey);
    } finally {
      // Kept only when no state change began while the file was read; otherwise zeroed now.
      if (this.unsealedKeepMs > 0 && (this.generations.get(keyRef) ?? 0) === generation) {
        this.unsealed.set(keyRef, { secretKey, keepUntil: now + this.unsealedKeepMs });
      } else {
        secretKey.fill(0);
      }
    }
  }

  disable(keyRef: KeyRef): Promise<void> {
    return this.transition(keyRef, 'be disabled', (record) => ({ ...record, state: 'disabled' }));
  }

  enable(keyRef: KeyRef): Promise<void> {
    return this.transition(keyRef, 'be enabled', (record) => ({ ...record, state: 'enabled' }));
  }

  async scheduleDeletion(keyRef: KeyRef, pendingWindowDays = DEFAULT_PENDING_WINDOW_DAYS): Promise<ScheduledDeletion> {
    const days = validatePendingWindowDays(pendingWindowDays);
    const deletionDate = new Date(this.clock.now().getTime() + days * DAY_MS);
    await this.transition(keyRef, 'be scheduled for deletion again', (record) => ({
      ...record,
      state: 'pending-deletion',
      deletionDate: deletionDate.toISOString(),
    }));
    return { deletionDate };
  }

  /** Erases every key whose deletion date has passed; returns how many. */
  async purgeExpiredKeys(): Promise<number> {
    let purged = 0;
    for (const name of await readdir(this.keysDir)) {
      const keyRef = name.endsWith('.json') ? name.slice(0, -'.json'.length) : '';
      if (!KEY_REF_PATTERN.test(keyRef)) continue;
      try {
        await this.read(keyRef);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        purged++;
      }
    }
    return purged;
  }

  /** Changes a key's state by KMS rules: enabled and disabled keys move freely; a key pending deletion is frozen. */
  private transition(keyRef: KeyRef, operation: string, change: (record: StoredKey) => StoredKey): Promise<void> {
    // From here on this process signs with the key only after reading its file again.
    this.forget(keyRef);
    const previous = this.keyLocks.get(keyRef) ?? Promise.resolve();
    const next = previous.then(async () => {
      const record = await this.read(keyRef);
      if (record.state === 'pending-deletion') throw new SigningKeyUnavailableError('pending-deletion', operation);
      await this.write(change(record));
      this.forget(keyRef);
    });
    const tail = next.catch(() => undefined);
    this.keyLocks.set(keyRef, tail);
    void tail.then(() => {
      if (this.keyLocks.get(keyRef) === tail) this.keyLocks.delete(keyRef);
    });
    return next;
  }

  /** Zeroes the key's unsealed copy and makes signatures under way not keep theirs. */
  private forget(keyRef: KeyRef): void {
    this.generations.set(keyRef, (this.generations.get(keyRef) ?? 0) + 1);
    this.unsealed.delete(keyRef);
  }

  private keyPath(keyRef: KeyRef): string {
    return join(this.keysDir, `${keyRef}.json`);
  }

  private async read(keyRef: KeyRef): Promise<StoredKey> {
    // The pattern also keeps a caller-supplied reference from naming a path outside the vault.
    if (typeof keyRef !== 'string' || !KEY_REF_PATTERN.test(keyRef)) throw new NotFoundError('Signing key not found');
    let text: string;
    try {
      text = await readFile(this.keyPath(keyRef), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('Signing key not found');
      throw error;
    }
    const parsed = StoredKey.safeParse(safeJson(text));
    if (!parsed.success || parsed.data.keyRef !== keyRef) {
      throw new LocalVaultIntegrityError(`Local vault key ${keyRef} is damaged: its file is not a valid key record`);
    }
    const record = parsed.data;
    if (record.state === 'pending-deletion' && record.deletionDate !== null) {
      if (this.clock.now().getTime() >= Date.parse(record.deletionDate)) {
        await unlink(this.keyPath(keyRef)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
        throw new NotFoundError('Signing key not found');
      }
    }
    return record;
  }

  /** Writes a key record atomically (temporary file, fsync, rename) so a crash never leaves half a key. */
  private async write(record: StoredKey): Promise<void> {
    const target = this.keyPath(record.keyRef);
    const temporary = `${target}.${randomBase32(8)}.tmp`;
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(record, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temporary, target);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
  }

  /** The key reference and address are authenticated with the ciphertext, so records cannot be swapped. */
  private seal(secretKey: Uint8Array, keyRef: KeyRef, address: string): StoredKey['secret'] {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    cipher.setAAD(associatedData(keyRef, address));
    const ciphertext = Buffer.concat([cipher.update(secretKey), cipher.final()]);
    return {
      algorithm: 'aes-256-gcm',
      iv: iv.toString('base64'),
      ciphertext: ciphertext.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  }

  private unseal(record: StoredKey): Uint8Array {
    let secretKey: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.masterKey, Buffer.from(record.secret.iv, 'base64'));
      decipher.setAAD(associatedData(record.keyRef, record.address));
      decipher.setAuthTag(Buffer.from(record.secret.tag, 'base64'));
      secretKey = Buffer.concat([decipher.update(Buffer.from(record.secret.ciphertext, 'base64')), decipher.final()]);
    } catch (cause) {
      throw new LocalVaultIntegrityError(
        `Local vault key ${record.keyRef} failed its integrity check: its file was altered, or it was sealed under ` +
          'a different master key',
        { cause },
      );
    }
    if (secretKey.length !== 32) {
      secretKey.fill(0);
      throw new LocalVaultIntegrityError(`Local vault key ${record.keyRef} holds a secret of the wrong length`);
    }
    return new Uint8Array(secretKey.buffer, secretKey.byteOffset, secretKey.length);
  }
}

/** Signs a 32-byte digest as KMS does for an Ethereum key: low s (libsecp256k1 makes no other), with the recovery id. */
function signDigest(digest: Uint8Array, secretKey: Uint8Array): DigestSignature {
  const { signature, recoveryId } = signRecoverable(digest, secretKey);
  // Ids 2 and 3 (R.x beyond the curve order, odds about 2^-128) have no Ethereum encoding.
  if (recoveryId > 1) throw new PlatformError('secp256k1 produced a signature without an Ethereum recovery id');
  return {
    r: hexlify(signature.subarray(0, 32)),
    s: hexlify(signature.subarray(32, 64)),
    v: recoveryId === 0 ? 27 : 28,
  };
}

function associatedData(keyRef: KeyRef, address: string): Buffer {
  return Buffer.from(`carechain-local-vault/v1/${keyRef}/${address}`, 'utf8');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // A record that is not JSON is reported as damaged by the schema check that follows.
    return undefined;
  }
}
