/**
 * A patient's identities on a network, made and kept by the patient (a browser wallet, or a key made and kept in
 * the browser), never by CareChain:
 *
 * - the patient's DID, `did:ethr:<chain id in hex>:<address>` (ERC-1056), from the patient's own key;
 * - per grantee (a member organisation's address) a pairwise identity: a key that signs the patient's consent
 *   actions for that organisation, and a pseudonym the patient gives to it, the hash of that key and of the salted
 *   hash of the DID (so the ledger can tell that only that key acts under the pseudonym).
 *
 * Both come from one signature of the patient's own key over a fixed text naming the ledger and the grantee, so
 * the patient can make them again anywhere, with any wallet that signs deterministically (RFC 6979, as wallets
 * do), and nothing else needs keeping. On chain, two organisations' records of one patient share no value: the
 * pseudonyms and the pairwise keys differ, and neither reveals the DID without the salt, which only the patient
 * (and, through the patient's own view, the API that verifies it) ever sees.
 */
import { AbiCoder } from 'ethers/abi';
import { getAddress } from 'ethers/address';
import { keccak256, SigningKey } from 'ethers/crypto';
import { computeAddress } from 'ethers/transaction';
import { concat, toUtf8Bytes } from 'ethers/utils';
import { Wallet } from 'ethers/wallet';
import { didOf } from './did.ts';

/** What the pairwise identity needs of a patient's key: an address and EIP-191 signatures. */
export interface PatientSigner {
  getAddress(): Promise<string>;
  signMessage(message: string): Promise<string>;
}

export interface PairwiseIdentity {
  readonly did: string;
  readonly grantee: string;
  /** The salted hash of the DID toward this grantee: keccak256(abi.encode(salt, did)). */
  readonly didCommitment: string;
  /**
   * The pseudonym the grantee knows the patient by: keccak256(abi.encode(key address, didCommitment)), so it
   * commits to the one key that may act under it.
   */
  readonly subject: string;
  /** Kept by the patient; shown to the API only to prove a pseudonym is the patient's own. */
  readonly salt: string;
  /** Signs the patient's consent actions for this grantee. */
  readonly key: Wallet;
}

/** The text a patient signs to make (or make again) the pairwise identity toward one grantee. */
export function pairwiseMessage(chainId: number, ledgerAddress: string, grantee: string): string {
  return [
    'CareChain consent key',
    '',
    'Signing this makes the key and the pseudonym you use for consents you give to one organisation.',
    'It sends nothing and costs nothing. Sign it only on a CareChain patient page.',
    '',
    `Organisation: ${getAddress(grantee)}`,
    `Consent ledger: ${getAddress(ledgerAddress)}`,
    `Chain: ${chainId}`,
  ].join('\n');
}

/** The salted hash of a DID. */
export function didCommitmentOf(salt: string, did: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(['bytes32', 'string'], [salt, did]));
}

/** The pseudonym, as the ledger checks it: the pairwise key and the DID commitment, hashed together. */
export function subjectOf(patientKey: string, didCommitment: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(['address', 'bytes32'], [patientKey, didCommitment]));
}

export async function pairwiseIdentity(
  patient: PatientSigner,
  chainId: number,
  ledgerAddress: string,
  grantee: string,
): Promise<PairwiseIdentity> {
  const did = didOf(chainId, await patient.getAddress());
  const seed = keccak256(await patient.signMessage(pairwiseMessage(chainId, ledgerAddress, grantee)));
  const salt = keccak256(concat([seed, toUtf8Bytes('pseudonym salt')]));
  const key = new Wallet(privateKeyFrom(seed));
  const didCommitment = didCommitmentOf(salt, did);
  return {
    did,
    grantee: getAddress(grantee),
    didCommitment,
    subject: subjectOf(key.address, didCommitment),
    salt,
    key,
  };
}

/** A valid secp256k1 private key from a seed (a hash lands outside the curve's order with negligible odds). */
function privateKeyFrom(seed: string): string {
  for (let counter = 0; ; counter++) {
    const candidate = keccak256(concat([seed, toUtf8Bytes(`consent key ${counter}`)]));
    try {
      computeAddress(new SigningKey(candidate).publicKey);
      return candidate;
    } catch {
      // out of range: try the next counter
    }
  }
}
