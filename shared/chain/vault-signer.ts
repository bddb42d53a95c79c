/**
 * An ethers v6 `Signer` whose private key lives in a `KeyVault` (KMS or the local vault): it builds what ethers'
 * own wallet would sign — transactions, EIP-191 messages, EIP-712 typed data — and has the vault sign the digest.
 * Connected to any provider it sends transactions like any other signer.
 */
import {
  AbstractSigner,
  copyRequest,
  getAddress,
  getBytes,
  hashMessage,
  type Provider,
  resolveAddress,
  resolveProperties,
  Signature,
  Transaction,
  type TransactionLike,
  type TransactionRequest,
  type TypedDataDomain,
  TypedDataEncoder,
  type TypedDataField,
} from 'ethers';
import { ValidationError } from '../errors.ts';
import type { KeyRef, KeyVault } from '../ports/key-vault.ts';

/** Legacy, access-list and EIP-1559 transactions; blob and set-code transactions carry more than one signature. */
const SUPPORTED_TRANSACTION_TYPES = new Set([0, 1, 2]);

export class VaultSigner extends AbstractSigner {
  private addressPromise: Promise<string> | undefined;

  constructor(
    readonly vault: KeyVault,
    readonly keyRef: KeyRef,
    provider: Provider | null = null,
  ) {
    super(provider);
  }

  getAddress(): Promise<string> {
    if (!this.addressPromise) {
      const loading = this.vault.getPublicKey(this.keyRef).then(({ address }) => address);
      this.addressPromise = loading;
      loading.catch(() => {
        if (this.addressPromise === loading) this.addressPromise = undefined;
      });
    }
    return this.addressPromise;
  }

  connect(provider: Provider | null): VaultSigner {
    const signer = new VaultSigner(this.vault, this.keyRef, provider);
    signer.addressPromise = this.addressPromise;
    return signer;
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
    unsigned.signature = await this.signDigest(unsigned.unsignedHash);
    return unsigned.serialized;
  }

  async signMessage(message: string | Uint8Array): Promise<string> {
    return (await this.signDigest(hashMessage(message))).serialized;
  }

  async signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    const populated = await TypedDataEncoder.resolveNames(domain, types, value, async (name) => {
      if (!this.provider) throw new ValidationError(`Cannot resolve the name ${name} without a provider`);
      const address = await this.provider.resolveName(name);
      if (!address) throw new ValidationError(`The name ${name} does not resolve to an address`);
      return address;
    });
    return (await this.signDigest(TypedDataEncoder.hash(populated.domain, types, populated.value))).serialized;
  }

  private async signDigest(digestHex: string): Promise<Signature> {
    const { r, s, v } = await this.vault.sign(this.keyRef, getBytes(digestHex));
    return Signature.from({ r, s, v });
  }
}
