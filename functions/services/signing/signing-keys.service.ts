/**
 * An organisation's signing keys: created in the vault (KMS or local), used to sign EIP-191 messages, EIP-712
 * typed data and transactions, disabled, enabled and scheduled for deletion. The private half never leaves the
 * vault. What is about to be signed passes the personal-data guard first (refused with 422 under `block`); every
 * signature is recorded (audited and metered) through `recordSignature`; every change is audited.
 */
import type { TypedDataField } from 'ethers';
import { getBytes } from 'ethers/utils';
import { loadEthersSigning, VaultKeySigner } from '../../../shared/chain/vault-key-signer.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { InvalidStateError, NotFoundError, ValidationError } from '../../../shared/errors.ts';
import { lazyOnce } from '../../../shared/lazy-once.ts';
import type { KeyVault } from '../../../shared/ports/key-vault.ts';
import type { MatchFingerprinter } from '../../../shared/ports/match-fingerprinter.ts';
import type { PersonalDataInspector } from '../../../shared/ports/personal-data-inspector.ts';
import type {
  CreateSigningKey,
  SendTransaction,
  SignMessage,
  SignTypedData,
} from '../../../shared/schemas/signing-key.schemas.ts';
import type { DataProtectionRepository } from '../../../shared/store/data-protection.repository.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import type { SigningKey, SigningKeysRepository } from '../../../shared/store/signing-keys.repository.ts';
import { appendAudit, type ChangeAuthor } from '../audit/audit-trail.ts';
import { type GuardRequest, guardPersonalData } from '../data-protection/personal-data-guard.ts';
import { recordSignature, type SignatureRecordDeps } from './signature-record.ts';
import type { SentTransaction } from './transaction-sender.ts';

/** The sender (node choice, nonce and fee filling), loaded with the first transaction sent. */
const loadSender = lazyOnce(() => import('./transaction-sender.ts'));

export interface SigningKeysDeps extends SignatureRecordDeps {
  readonly stores: SignatureRecordDeps['stores'] & {
    readonly signingKeys: SigningKeysRepository;
    readonly nodes: NodesRepository;
    readonly networks: NetworksRepository;
    readonly dataProtection: DataProtectionRepository;
  };
  readonly vault: KeyVault;
  /** The personal-data inspector and the evidence fingerprint. */
  readonly dataProtection: { readonly inspector: PersonalDataInspector; readonly fingerprinter: MatchFingerprinter };
  /** Refuses a new signing key the organisation's plan does not allow; throws a named error. */
  readonly signingKeyAdmission?: (orgId: string) => Promise<void>;
}

export interface Signature {
  readonly key: SigningKey;
  readonly digest: string;
  readonly signature: string;
}

/** Refuses early with the key's state in words; the vault enforces the same rule itself. */
function assertCanSign(key: SigningKey): void {
  if (key.state === 'disabled') throw new InvalidStateError('The signing key is disabled; enable it to sign');
  if (key.state === 'pending-deletion') {
    throw new InvalidStateError(`The signing key is scheduled for deletion on ${key.deletionDate} and cannot sign`);
  }
}

export class SigningKeysService {
  constructor(private readonly deps: SigningKeysDeps) {}

  async find(orgId: string, keyId: string): Promise<SigningKey> {
    const key = await this.deps.stores.signingKeys.get(orgId, keyId);
    if (!key) throw new NotFoundError('No such signing key');
    return key;
  }

  list(orgId: string): Promise<SigningKey[]> {
    return this.deps.stores.signingKeys.list(orgId);
  }

  async create(author: ChangeAuthor, orgId: string, body: CreateSigningKey): Promise<SigningKey> {
    await this.deps.signingKeyAdmission?.(orgId);
    const created = await this.deps.vault.createKey({ orgId, alias: body.alias, description: body.description });
    const key = await this.deps.stores.signingKeys.create({
      id: newId('signingKey'),
      orgId,
      alias: body.alias,
      description: body.description,
      address: created.address,
      publicKey: created.publicKey,
      keyRef: created.keyRef,
      state: 'enabled',
      deletionDate: undefined,
      createdAt: this.deps.clock().toISOString(),
      createdBy: author.actor.id,
      version: 1,
    });
    await appendAudit(this.deps, author.requestId, {
      orgId,
      actor: author.actor,
      action: 'signing-key.created',
      target: key.id,
      details: { alias: key.alias, address: key.address },
    });
    return key;
  }

  /** An EIP-191 personal message, as text or as hex bytes. */
  async signMessage(author: ChangeAuthor, orgId: string, keyId: string, body: SignMessage): Promise<Signature> {
    const key = await this.signingKey(orgId, keyId);
    let message: string | Uint8Array = body.message;
    if (body.encoding === 'hex') {
      try {
        message = getBytes(body.message);
      } catch (error) {
        throw new ValidationError('The message is not hex', [{ path: 'body.message', message: 'not hex' }], {
          cause: error,
        });
      }
    }
    await this.guard(author, key, { content: { kind: 'message', message } });
    // The digest the vault signs is the one recorded: hashed once.
    const digest = (await loadEthersSigning()).hashMessage(message);
    const signature = (await new VaultKeySigner(this.deps.vault, key.keyRef).signDigest(digest)).serialized;
    await this.record(author, key, 'message', digest);
    return { key, digest, signature };
  }

  /** EIP-712 typed data; `EIP712Domain` in `types` is implied by `domain` and left out, as ethers wants. */
  async signTypedData(author: ChangeAuthor, orgId: string, keyId: string, body: SignTypedData): Promise<Signature> {
    const key = await this.signingKey(orgId, keyId);
    const { EIP712Domain: _domainType, ...types } = body.types as Record<string, TypedDataField[]>;
    const { TypedDataEncoder } = await loadEthersSigning();
    let digest: string;
    let primaryType: string;
    try {
      const encoder = TypedDataEncoder.from(types);
      if (body.primaryType && encoder.primaryType !== body.primaryType) {
        throw new Error(`the types describe ${encoder.primaryType}, not ${body.primaryType}`);
      }
      primaryType = encoder.primaryType;
      digest = TypedDataEncoder.hash(body.domain, types, body.message);
    } catch (error) {
      throw new ValidationError(`The typed data is not valid: ${(error as Error).message}`, [], { cause: error });
    }
    await this.guard(author, key, {
      chainId: body.domain.chainId === undefined ? undefined : BigInt(body.domain.chainId),
      contract: body.domain.verifyingContract,
      // Read by its types: a uint256 written as decimal text is a number, not a personnummer.
      content: { kind: 'typed-data', domain: body.domain, message: body.message, types, primaryType },
    });
    // The digest checked above is the one signed and recorded: the typed data is encoded once (a name in an address
    // member cannot be encoded without a provider, so it was refused there).
    const signature = (await new VaultKeySigner(this.deps.vault, key.keyRef).signDigest(digest)).serialized;
    await this.record(author, key, 'typed-data', digest);
    return { key, digest, signature };
  }

  /** Signs a transaction and sends it through one of the organisation's running managed nodes. */
  async sendTransaction(
    author: ChangeAuthor,
    orgId: string,
    keyId: string,
    body: SendTransaction,
  ): Promise<SentTransaction & { key: SigningKey }> {
    const key = await this.signingKey(orgId, keyId);
    const { sendingNode, sendTransaction } = await loadSender();
    const node = await sendingNode(this.deps, key, body);
    await this.guard(author, key, {
      networkId: node.networkId,
      nodeId: node.id,
      contract: body.to,
      content: { kind: 'transaction', to: body.to, data: body.data },
    });
    const sent = await sendTransaction(this.deps, key, node, body);
    await this.record(author, key, 'transaction', sent.hash, { nodeId: sent.nodeId, nonce: sent.nonce });
    return { ...sent, key };
  }

  /** Disables or enables a key in the vault and on its record; asking for the state it has changes nothing. */
  async setEnabled(author: ChangeAuthor, orgId: string, keyId: string, enabled: boolean): Promise<SigningKey> {
    const key = await this.find(orgId, keyId);
    if (key.state === 'pending-deletion') throw new InvalidStateError('The key is scheduled for deletion');
    const target = enabled ? 'enabled' : 'disabled';
    if (key.state === target) return key;
    await (enabled ? this.deps.vault.enable(key.keyRef) : this.deps.vault.disable(key.keyRef));
    const updated = await this.deps.stores.signingKeys.setState(key, target);
    await appendAudit(this.deps, author.requestId, {
      orgId,
      actor: author.actor,
      action: `signing-key.${target}`,
      target: key.id,
    });
    return updated;
  }

  /** Schedules the key's deletion in the vault (7–30 days); it cannot sign from now on. */
  async scheduleDeletion(author: ChangeAuthor, orgId: string, keyId: string, pendingWindowDays: number) {
    const key = await this.find(orgId, keyId);
    if (key.state === 'pending-deletion') return key;
    const { deletionDate } = await this.deps.vault.scheduleDeletion(key.keyRef, pendingWindowDays);
    const updated = await this.deps.stores.signingKeys.setState(key, 'pending-deletion', deletionDate.toISOString());
    await appendAudit(this.deps, author.requestId, {
      orgId,
      actor: author.actor,
      action: 'signing-key.deletion-scheduled',
      target: key.id,
      details: { deletionDate: updated.deletionDate },
    });
    return updated;
  }

  /** Refuses (422) what the network's policy blocks; records what it flags. */
  private async guard(
    author: ChangeAuthor,
    key: SigningKey,
    request: Omit<GuardRequest, 'orgId' | 'channel' | 'author' | 'keyId'>,
  ): Promise<void> {
    await guardPersonalData(
      { ...this.deps, ...this.deps.dataProtection },
      { ...request, orgId: key.orgId, channel: 'signing-api', author, keyId: key.id },
    );
  }

  /**
   * The key to sign with, from the items this process read recently: a state change made elsewhere is seen within
   * their bound, and the vault refuses a disabled or deleted key itself in the meantime.
   */
  private async signingKey(orgId: string, keyId: string): Promise<SigningKey> {
    const key = await this.deps.stores.signingKeys.get(orgId, keyId, { recent: true });
    if (!key) throw new NotFoundError('No such signing key');
    assertCanSign(key);
    return key;
  }

  private record(
    author: ChangeAuthor,
    key: SigningKey,
    purpose: 'message' | 'typed-data' | 'transaction',
    digest: string,
    details?: Record<string, unknown>,
  ) {
    return recordSignature(this.deps, author, {
      orgId: key.orgId,
      keyId: key.id,
      address: key.address,
      purpose,
      digest,
      details,
    });
  }
}
