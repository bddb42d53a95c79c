/**
 * did:ethr identifiers (ERC-1056) on CareChain networks: the DID of an address on a chain, and the words the
 * registry uses for delegates and attributes. Organisations' signing keys and patients' keys are both DIDs of this
 * method; nothing else is invented.
 */
import { getAddress } from 'ethers/address';
import { toBeHex } from 'ethers/utils';

/** The DID of an Ethereum address on a chain (ERC-1056; the network named by its chain id in hex). */
export function didOf(chainId: number, address: string): string {
  return `did:ethr:${toBeHex(chainId)}:${getAddress(address)}`;
}

/**
 * Delegate types of the did:ethr method: `veriKey` for keys that sign on the DID's behalf, `sigAuth` for keys that
 * also authenticate as it.
 */
export const DELEGATE_TYPES = ['veriKey', 'sigAuth'] as const;
export type DelegateType = (typeof DELEGATE_TYPES)[number];

/**
 * Attribute names of the did:ethr conventions that the API sets: service endpoints (`did/svc/<type>`, e.g.
 * `did/svc/FhirEndpoint`) and public keys (`did/pub/<algorithm>/<purpose>/<encoding>`). At most 31 bytes (one
 * bytes32 word on chain).
 */
export const DID_ATTRIBUTE_NAME_PATTERN =
  /^did\/(svc\/[A-Za-z][A-Za-z0-9]{0,22}|pub\/(Secp256k1|Ed25519|X25519)\/(veriKey|sigAuth|enc)\/(hex|base64|base58))$/;
