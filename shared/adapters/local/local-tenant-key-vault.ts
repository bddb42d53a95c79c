/**
 * One organisation's view of the local vault, the local counterpart of a `KmsKeyVault` on a tenant session: every
 * operation first takes the organisation's session and refuses a key created for another organisation
 * (`TenantAccessDeniedError`), and a key can only be created for the session's own organisation. IAM's rule in AWS
 * (`aws:ResourceTag/carechain:org` equals `${aws:PrincipalTag/carechain:org}`; at creation `aws:RequestTag`), kept
 * by the vault itself here, so local mode refuses what AWS refuses.
 */
import { LRUCache } from 'lru-cache';
import { TenantAccessDeniedError } from '../../errors.ts';
import type {
  CreatedKey,
  CreateKeyInput,
  DigestSignature,
  KeyRef,
  KeyVault,
  PublicKeyInfo,
  ScheduledDeletion,
} from '../../ports/key-vault.ts';
import type { TenantSession } from '../../ports/tenant-credentials.ts';
import type { LocalKeyVault } from './local-key-vault.ts';
import { LocalTenantCredentials } from './local-tenant-credentials.ts';

export class LocalTenantKeyVault implements KeyVault {
  /** Whom each key was created for: it never changes, so it is read from the vault once (its tag, in KMS terms). */
  private readonly owners = new LRUCache<KeyRef, string>({ max: 1000 });

  /**
   * @param vault the local vault, which holds every organisation's keys
   * @param session the organisation's session, asked for on every operation (it is renewed as it nears its end)
   */
  constructor(
    private readonly vault: LocalKeyVault,
    private readonly session: () => Promise<TenantSession>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async createKey(input: CreateKeyInput): Promise<CreatedKey> {
    if (input.orgId !== (await this.organisation())) throw new TenantAccessDeniedError();
    return this.vault.createKey(input);
  }

  async getPublicKey(keyRef: KeyRef): Promise<PublicKeyInfo> {
    await this.mayUse(keyRef);
    return this.vault.getPublicKey(keyRef);
  }

  async sign(keyRef: KeyRef, digest: Uint8Array): Promise<DigestSignature> {
    await this.mayUse(keyRef);
    return this.vault.sign(keyRef, digest);
  }

  async disable(keyRef: KeyRef): Promise<void> {
    await this.mayUse(keyRef);
    return this.vault.disable(keyRef);
  }

  async enable(keyRef: KeyRef): Promise<void> {
    await this.mayUse(keyRef);
    return this.vault.enable(keyRef);
  }

  async scheduleDeletion(keyRef: KeyRef, pendingWindowDays?: number): Promise<ScheduledDeletion> {
    await this.mayUse(keyRef);
    return this.vault.scheduleDeletion(keyRef, pendingWindowDays);
  }

  private async organisation(): Promise<string> {
    return LocalTenantCredentials.organisationOf(await this.session(), this.clock());
  }

  /** A key that does not exist is not found, as in KMS; one of another organisation is refused. */
  private async mayUse(keyRef: KeyRef): Promise<void> {
    const [organisation, owner] = await Promise.all([this.organisation(), this.ownerOf(keyRef)]);
    if (owner !== organisation) throw new TenantAccessDeniedError();
  }

  private async ownerOf(keyRef: KeyRef): Promise<string> {
    let owner = this.owners.get(keyRef);
    if (owner === undefined) {
      owner = await this.vault.ownerOf(keyRef);
      this.owners.set(keyRef, owner);
    }
    return owner;
  }
}
