/**
 * Signatures by a key that lives in a `KeyVault` (KMS or the local vault), without a provider: EIP-191 messages,
 * EIP-712 typed data and digests, built as ethers' own wallet builds them, the digest signed by the vault. What the API
 * signs on request (messages, typed data, reports, patient sessions) needs nothing more, and this module is all a cold
 * start reads of it. ethers' hashing of messages and typed data (with ENS name normalisation, which its barrel brings)
 * and its signature class (with the curve arithmetic) load at the first signature. `VaultSigner` (vault-signer.ts), an
 * ethers `Signer` that also signs and sends transactions through a provider, is loaded with the provider
 * (chain-clients.ts) and signs through one of these.
 */
import type { TypedDataDomain, TypedDataField } from 'ethers';
import type { Signature } from 'ethers/crypto';
import { getBytes } from 'ethers/utils';
import { ValidationError } from '../errors.ts';
import { lazyOnce } from '../lazy-once.ts';
import type { KeyRef, KeyVault } from '../ports/key-vault.ts';

/** ethers' hashing and signature class (ethers-signing.ts), loaded at the first signature or digest made. */
export const loadEthersSigning = lazyOnce(() => import('./ethers-signing.ts'));

/** Turns an ENS name in typed data into an address; without one, a name is refused. */
export type NameResolver = (name: string) => Promise<string | null>;

export class VaultKeySigner {
  private addressPromise: Promise<string> | undefined;

  constructor(
    readonly vault: KeyVault,
    readonly keyRef: KeyRef,
  ) {}

  /** The key's address, read from the vault once (a failed read is tried again next time). */
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

  async signMessage(message: string | Uint8Array): Promise<string> {
    const { hashMessage } = await loadEthersSigning();
    return (await this.signDigest(hashMessage(message))).serialized;
  }

  async signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
    resolveName?: NameResolver,
  ): Promise<string> {
    const { TypedDataEncoder } = await loadEthersSigning();
    const populated = await TypedDataEncoder.resolveNames(domain, types, value, async (name) => {
      if (!resolveName) throw new ValidationError(`Cannot resolve the name ${name} without a provider`);
      const address = await resolveName(name);
      if (!address) throw new ValidationError(`The name ${name} does not resolve to an address`);
      return address;
    });
    return (await this.signDigest(TypedDataEncoder.hash(populated.domain, types, populated.value))).serialized;
  }

  async signDigest(digestHex: string): Promise<Signature> {
    const [{ r, s, v }, { Signature }] = await Promise.all([
      this.vault.sign(this.keyRef, getBytes(digestHex)),
      loadEthersSigning(),
    ]);
    return Signature.from({ r, s, v });
  }
}
