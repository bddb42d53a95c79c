/**
 * An ethers v6 `Signer` whose private key lives in a `KeyVault` (KMS or the local vault): it builds what ethers'
 * own wallet would sign — transactions, EIP-191 messages, EIP-712 typed data — and has the vault sign the digest
 * (through a `VaultKeySigner`, which signs messages and typed data without a provider). Connected to any provider it
 * sends transactions like any other signer. Loaded with ethers' provider classes (chain-clients.ts).
 */
import type { Provider, TransactionLike, TransactionRequest, TypedDataDomain, TypedDataField } from 'ethers';
import { getAddress, resolveAddress } from 'ethers/address';
import { AbstractSigner, copyRequest } from 'ethers/providers';
import { Transaction } from 'ethers/transaction';
import { resolveProperties } from 'ethers/utils';
import { ValidationError } from '../errors.ts';
import type { KeyRef, KeyVault } from '../ports/key-vault.ts';
import { VaultKeySigner } from './vault-key-signer.ts';

/** Legacy, access-list and EIP-1559 transactions; blob and set-code transactions carry more than one signature. */
const SUPPORTED_TRANSACTION_TYPES = new Set([0, 1, 2]);

export class VaultSigner extends AbstractSigner {
  private readonly key: VaultKeySigner;

  /** `key` is given by `connect`, so that a signer on another provider shares the address read once. */
  constructor(
    vault: KeyVault,
    keyRef: KeyRef,
    provider: Provider | null = null,
    key: VaultKeySigner = new VaultKeySigner(vault, keyRef),
  ) {
    super(provider);
    this.key = key;
  }

  get vault(): KeyVault {
    return this.key.vault;
  }

  get keyRef(): KeyRef {
    return this.key.keyRef;
  }

  getAddress(): Promise<string> {
    return this.key.getAddress();
  }

  /** The same key (its address read once for both) on another provider. */
  connect(provider: Provider | null): VaultSigner {
    return new VaultSigner(this.key.vault, this.key.keyRef, provider, this.key);
  }

  async signTransaction(request: TransactionRequest): Promise<string> {
    const tx = copyRequest(request);
    const { to, from } = await resolveProperties({
      to: tx.to ? resolveAddress(tx.to, this.provider) : undefined,
      from: tx.from ? resolveAddress(tx.from, this.provider) : undefined,
    });
    if (to != null) tx.to = to;
    if (from != null && getAddress(from) !== (await this.getAddress())) {
      throw new ValidationError('The transaction is from another address than the signing key', [
        { path: 'from', message: 'must be the address of the signing key' },
      ]);
    }
    delete tx.from;
    const unsigned = Transaction.from(tx as TransactionLike<string>);
    const type = unsigned.type ?? unsigned.inferType();
    if (!SUPPORTED_TRANSACTION_TYPES.has(type)) {
      throw new ValidationError(`Transaction type ${type} cannot be signed by a vault key`, [
        { path: 'type', message: 'must be 0 (legacy), 1 (access list) or 2 (EIP-1559)' },
      ]);
    }
    unsigned.type = type;
    unsigned.signature = await this.key.signDigest(unsigned.unsignedHash);
    return unsigned.serialized;
  }

  signMessage(message: string | Uint8Array): Promise<string> {
    return this.key.signMessage(message);
  }

  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    const provider = this.provider;
    return this.key.signTypedData(domain, types, value, provider ? (name) => provider.resolveName(name) : undefined);
  }
}
