import { createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { computeAddress, getBytes, hexlify, recoverAddress, Signature, SigningKey } from 'ethers';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LocalKeyVault,
  LocalVaultIntegrityError,
  LocalVaultStartupError,
} from '../../../shared/adapters/local/local-key-vault.ts';
import { NotFoundError, ValidationError } from '../../../shared/errors.ts';
import { SigningKeyUnavailableError } from '../../../shared/ports/key-vault.ts';

const DAY_MS = 86_400_000;
const HALF_CURVE_ORDER = secp256k1.Point.CURVE().n / 2n;
const ORG = 'org_abcdefghijklmnopqrst';

class TestClock {
  constructor(private current = new Date('2026-03-01T12:00:00Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

let dataDir: string;
let clock: TestClock;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'carechain-vault-'));
  clock = new TestClock();
});

afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

const keyFile = (keyRef: string) => join(dataDir, 'vault', 'keys', `${keyRef}.json`);
const readRecord = (keyRef: string) => JSON.parse(readFileSync(keyFile(keyRef), 'utf8'));
const randomDigest = () => new Uint8Array(randomBytes(32));

async function expectSignedBy(vault: LocalKeyVault, keyRef: string, address: string) {
  const digest = randomDigest();
  const { r, s, v } = await vault.sign(keyRef, digest);
  expect(recoverAddress(digest, Signature.from({ r, s, v }))).toBe(address);
}

/** Flips a bit of a stored key's ciphertext, as a damaged or altered file would. */
function tamper(keyRef: string): void {
  const record = readRecord(keyRef);
  const ciphertext = Buffer.from(record.secret.ciphertext, 'base64');
  ciphertext[0]! ^= 0x01;
  writeFileSync(
    keyFile(keyRef),
    JSON.stringify({ ...record, secret: { ...record.secret, ciphertext: ciphertext.toString('base64') } }),
  );
}

/** Opens a record the way only the vault should, to learn the private key the scan must not find. */
function unsealForTest(keyRef: string): Uint8Array {
  const record = readRecord(keyRef);
  const masterKey = readFileSync(join(dataDir, 'vault', 'master.key'));
  const decipher = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(record.secret.iv, 'base64'));
  decipher.setAAD(Buffer.from(`carechain-local-vault/v1/${keyRef}/${record.address}`));
  decipher.setAuthTag(Buffer.from(record.secret.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(record.secret.ciphertext, 'base64')), decipher.final()]);
}

describe('LocalKeyVault storage', () => {
  it('creates its master key with mode 0600 in a 0700 directory', () => {
    new LocalKeyVault(dataDir, clock);
    expect(statSync(join(dataDir, 'vault')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'vault', 'master.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, 'vault', 'master.key'))).toHaveLength(32);
  });

  it('stores no private key in plaintext', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    const { keyRef, address } = await vault.createKey({ orgId: ORG, alias: 'governance' });
    await vault.disable(keyRef);
    const secretKey = unsealForTest(keyRef);
    // The unsealed bytes are this key's: signing with them elsewhere gives the same address.
    expect(computeAddress(hexlify(secretKey))).toBe(address);

    const needles = [
      hexlify(secretKey).slice(2),
      hexlify(secretKey).slice(2).toUpperCase(),
      Buffer.from(secretKey).toString('base64'),
      Buffer.from(secretKey).toString('base64url'),
    ];
    const files = readdirSync(join(dataDir, 'vault'), { recursive: true, withFileTypes: true }).filter((entry) =>
      entry.isFile(),
    );
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const entry of files) {
      const bytes = readFileSync(join(entry.parentPath, entry.name));
      expect(bytes.includes(Buffer.from(secretKey))).toBe(false);
      for (const needle of needles) expect(bytes.toString('latin1')).not.toContain(needle);
    }
    expect(statSync(keyFile(keyRef)).mode & 0o777).toBe(0o600);
  });

  it('signs with the same key after a restart', async () => {
    const first = new LocalKeyVault(dataDir, clock);
    const created = await first.createKey({ orgId: ORG, alias: 'ops', description: 'Operations wallet' });
    const second = new LocalKeyVault(dataDir, clock);
    expect(await second.getPublicKey(created.keyRef)).toEqual({
      address: created.address,
      publicKey: created.publicKey,
    });
    await expectSignedBy(second, created.keyRef, created.address);
  });

  it('signs any digest so that it recovers to the key address, with low s', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    const { keyRef, address } = await vault.createKey({ orgId: ORG, alias: 'ops' });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (digest) => {
        const { r, s, v } = await vault.sign(keyRef, digest);
        expect(getBytes(r)).toHaveLength(32);
        expect(getBytes(s)).toHaveLength(32);
        expect(BigInt(s) <= HALF_CURVE_ORDER).toBe(true);
        expect(recoverAddress(digest, Signature.from({ r, s, v }))).toBe(address);
      }),
      { numRuns: 100 },
    );
  });

  it('signs deterministically (RFC 6979), the very signatures another implementation makes with the key', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    const { keyRef } = await vault.createKey({ orgId: ORG, alias: 'ops' });
    // ethers signs with @noble/curves: an implementation of its own, held to the same nonce rule.
    const reference = new SigningKey(hexlify(unsealForTest(keyRef)));
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (digest) => {
        const expected = reference.sign(digest);
        expect(await vault.sign(keyRef, digest)).toEqual({ r: expected.r, s: expected.s, v: expected.v });
        // The second signature of the same digest, from memory, is the same.
        expect(await vault.sign(keyRef, digest)).toEqual({ r: expected.r, s: expected.s, v: expected.v });
      }),
      { numRuns: 200 },
    );
  });

  it('refuses to start when the master key is readable by group or others', () => {
    new LocalKeyVault(dataDir, clock);
    const masterKey = join(dataDir, 'vault', 'master.key');
    for (const mode of [0o640, 0o604, 0o660]) {
      chmodSync(masterKey, mode);
      expect(() => new LocalKeyVault(dataDir, clock)).toThrow(LocalVaultStartupError);
      expect(() => new LocalKeyVault(dataDir, clock)).toThrow(/accessible by group or others.*chmod 600/);
    }
    chmodSync(masterKey, 0o600);
    expect(() => new LocalKeyVault(dataDir, clock)).not.toThrow();
  });

  it('refuses to start with a damaged master key', () => {
    new LocalKeyVault(dataDir, clock);
    writeFileSync(join(dataDir, 'vault', 'master.key'), Buffer.alloc(7), { mode: 0o600 });
    expect(() => new LocalKeyVault(dataDir, clock)).toThrow(/damaged/);
  });

  it('reports a tampered ciphertext as an integrity failure', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    const { keyRef } = await vault.createKey({ orgId: ORG, alias: 'ops' });
    tamper(keyRef);
    const error = await vault.sign(keyRef, randomDigest()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalVaultIntegrityError);
    expect((error as Error).message).toMatch(/failed its integrity check/);
  });

  it('reports a record whose address was swapped as an integrity failure', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    const victim = await vault.createKey({ orgId: ORG, alias: 'a' });
    const other = await vault.createKey({ orgId: ORG, alias: 'b' });
    writeFileSync(keyFile(victim.keyRef), JSON.stringify({ ...readRecord(victim.keyRef), address: other.address }));
    await expect(vault.sign(victim.keyRef, randomDigest())).rejects.toThrow(LocalVaultIntegrityError);
  });

  it('refuses a key sealed under another master key', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    const { keyRef } = await vault.createKey({ orgId: ORG, alias: 'ops' });
    writeFileSync(join(dataDir, 'vault', 'master.key'), randomBytes(32), { mode: 0o600 });
    const reopened = new LocalKeyVault(dataDir, clock);
    await expect(reopened.sign(keyRef, randomDigest())).rejects.toThrow(/sealed under a different master key/);
  });

  it('reports a record that is not JSON as damaged', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    const { keyRef } = await vault.createKey({ orgId: ORG, alias: 'ops' });
    writeFileSync(keyFile(keyRef), '{ not json');
    await expect(vault.getPublicKey(keyRef)).rejects.toThrow(/is damaged/);
  });

  it('answers 404 for unknown references and for references that name paths', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    for (const keyRef of ['lkv_aaaaaaaaaaaaaaaaaaaaaaaaaa', '../master', 'lkv_../../etc/passwd', '']) {
      await expect(vault.getPublicKey(keyRef)).rejects.toThrow(NotFoundError);
      await expect(vault.sign(keyRef, randomDigest())).rejects.toThrow(NotFoundError);
    }
  });

  it('refuses a digest that is not 32 bytes', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    const { keyRef } = await vault.createKey({ orgId: ORG, alias: 'ops' });
    await expect(vault.sign(keyRef, new Uint8Array(33))).rejects.toThrow(ValidationError);
  });
});

describe('LocalKeyVault key states', () => {
  it('does not sign while disabled and signs again once enabled', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    const { keyRef, address } = await vault.createKey({ orgId: ORG, alias: 'ops' });
    await vault.disable(keyRef);
    await vault.disable(keyRef);
    const error = await vault.sign(keyRef, randomDigest()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SigningKeyUnavailableError);
    expect(error).toMatchObject({ status: 409, keyState: 'disabled' });
    expect(await vault.getPublicKey(keyRef)).toMatchObject({ address });
    await vault.enable(keyRef);
    await expectSignedBy(vault, keyRef, address);
  });

  it('keeps the state across a restart', async () => {
    const { keyRef } = await new LocalKeyVault(dataDir, clock).createKey({ orgId: ORG, alias: 'ops' });
    await new LocalKeyVault(dataDir, clock).disable(keyRef);
    await expect(new LocalKeyVault(dataDir, clock).sign(keyRef, randomDigest())).rejects.toThrow(
      SigningKeyUnavailableError,
    );
  });

  it('schedules deletion after 30 days by default and then freezes the key', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    const { keyRef, address } = await vault.createKey({ orgId: ORG, alias: 'ops' });
    const { deletionDate } = await vault.scheduleDeletion(keyRef);
    expect(deletionDate).toEqual(new Date(clock.now().getTime() + 30 * DAY_MS));
    expect(readRecord(keyRef)).toMatchObject({ state: 'pending-deletion', deletionDate: deletionDate.toISOString() });

    await expect(vault.sign(keyRef, randomDigest())).rejects.toMatchObject({ keyState: 'pending-deletion' });
    await expect(vault.enable(keyRef)).rejects.toThrow(SigningKeyUnavailableError);
    await expect(vault.disable(keyRef)).rejects.toThrow(SigningKeyUnavailableError);
    await expect(vault.scheduleDeletion(keyRef, 7)).rejects.toThrow(SigningKeyUnavailableError);
    expect(await vault.getPublicKey(keyRef)).toMatchObject({ address });
  });

  it('erases the key once its deletion date has passed', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    const { keyRef } = await vault.createKey({ orgId: ORG, alias: 'ops' });
    const kept = await vault.createKey({ orgId: ORG, alias: 'kept' });
    await vault.disable(keyRef);
    await vault.scheduleDeletion(keyRef, 7);
    clock.advance(7 * DAY_MS - 1);
    await expect(vault.getPublicKey(keyRef)).resolves.toBeDefined();
    clock.advance(1);
    expect(await vault.purgeExpiredKeys()).toBe(1);
    expect(readdirSync(join(dataDir, 'vault', 'keys'))).toEqual([`${kept.keyRef}.json`]);
    await expect(vault.getPublicKey(keyRef)).rejects.toThrow(NotFoundError);
    await expect(vault.sign(keyRef, randomDigest())).rejects.toThrow(NotFoundError);
  });

  it.each([0, 6, 31, 1.5])('refuses a waiting period of %s days', async (days) => {
    const vault = new LocalKeyVault(dataDir, clock);
    const { keyRef } = await vault.createKey({ orgId: ORG, alias: 'ops' });
    await expect(vault.scheduleDeletion(keyRef, days)).rejects.toThrow(ValidationError);
    expect(readRecord(keyRef).state).toBe('enabled');
  });

  it('applies concurrent state changes in order', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    const { keyRef } = await vault.createKey({ orgId: ORG, alias: 'ops' });
    await Promise.all([vault.disable(keyRef), vault.enable(keyRef), vault.disable(keyRef)]);
    expect(readRecord(keyRef).state).toBe('disabled');
    expect(readdirSync(join(dataDir, 'vault', 'keys'))).toEqual([`${keyRef}.json`]);
  });
});

describe('LocalKeyVault keys kept unsealed between signatures', () => {
  it('signs from memory within its bound and reads the key file again after it', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    const { keyRef, address } = await vault.createKey({ orgId: ORG, alias: 'ops' });
    await expectSignedBy(vault, keyRef, address);
    tamper(keyRef);
    clock.advance(1_999);
    await expectSignedBy(vault, keyRef, address);
    clock.advance(1);
    await expect(vault.sign(keyRef, randomDigest())).rejects.toThrow(LocalVaultIntegrityError);
  });

  it('reads the key file on every signature when nothing may be kept', async () => {
    const vault = new LocalKeyVault(dataDir, clock, { unsealedKeepMs: 0 });
    const { keyRef, address } = await vault.createKey({ orgId: ORG, alias: 'ops' });
    await expectSignedBy(vault, keyRef, address);
    tamper(keyRef);
    await expect(vault.sign(keyRef, randomDigest())).rejects.toThrow(LocalVaultIntegrityError);
  });

  it('refuses a key at once when it is disabled or scheduled for deletion right after signing', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    const disabled = await vault.createKey({ orgId: ORG, alias: 'a' });
    const deleted = await vault.createKey({ orgId: ORG, alias: 'b' });
    await expectSignedBy(vault, disabled.keyRef, disabled.address);
    await expectSignedBy(vault, deleted.keyRef, deleted.address);
    await vault.disable(disabled.keyRef);
    await vault.scheduleDeletion(deleted.keyRef, 7);
    await expect(vault.sign(disabled.keyRef, randomDigest())).rejects.toMatchObject({ keyState: 'disabled' });
    await expect(vault.sign(deleted.keyRef, randomDigest())).rejects.toMatchObject({ keyState: 'pending-deletion' });
  });

  it('does not keep a key read by a signature that was under way while it was disabled', async () => {
    const vault = new LocalKeyVault(dataDir, clock);
    const { keyRef } = await vault.createKey({ orgId: ORG, alias: 'ops' });
    await Promise.allSettled([vault.sign(keyRef, randomDigest()), vault.disable(keyRef)]);
    await expect(vault.sign(keyRef, randomDigest())).rejects.toMatchObject({ keyState: 'disabled' });
  });

  it('sees a key disabled by another process on the same directory within the bound', async () => {
    const server = new LocalKeyVault(dataDir, clock);
    const { keyRef, address } = await server.createKey({ orgId: ORG, alias: 'ops' });
    await expectSignedBy(server, keyRef, address);
    await new LocalKeyVault(dataDir, clock).disable(keyRef);
    clock.advance(2_000);
    await expect(server.sign(keyRef, randomDigest())).rejects.toMatchObject({ keyState: 'disabled' });
  });
});
