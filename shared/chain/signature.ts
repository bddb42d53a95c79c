/**
 * Turns a DER-encoded ECDSA signature over a digest (what KMS `Sign` returns) into an Ethereum signature:
 * r and s left-padded to 32 bytes, s moved to the lower half of the curve order (EIP-2 rejects high s), and the
 * recovery id found by recovering the signer's address from each candidate — DER carries no recovery id, and
 * guessing it yields a valid-looking signature from someone else. Pure: no I/O.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { getAddress, recoverAddress, Signature, toBeHex } from 'ethers';
import { UpstreamError } from '../errors.ts';

const CURVE_ORDER = secp256k1.Point.CURVE().n;
const HALF_CURVE_ORDER = CURVE_ORDER >> 1n;

/**
 * @param der the signature as ASN.1 DER `SEQUENCE { r INTEGER, s INTEGER }`
 * @param digest the 32 bytes that were signed
 * @param expectedAddress the address of the key that signed
 * @throws UpstreamError when the DER is malformed or the signature was not made by that key over that digest
 */
export function ethereumSignatureFromDer(der: Uint8Array, digest: Uint8Array, expectedAddress: string): Signature {
  let parsed: { r: bigint; s: bigint };
  try {
    parsed = secp256k1.Signature.fromBytes(der, 'der');
  } catch (cause) {
    throw new UpstreamError('The signing service returned a signature that is not valid DER', { cause });
  }
  const s = parsed.s > HALF_CURVE_ORDER ? CURVE_ORDER - parsed.s : parsed.s;
  const r = toBeHex(parsed.r, 32);
  const lowS = toBeHex(s, 32);
  const signer = getAddress(expectedAddress);
  for (const yParity of [0, 1] as const) {
    const candidate = Signature.from({ r, s: lowS, yParity });
    if (recoversTo(digest, candidate, signer)) return candidate;
  }
  throw new UpstreamError('The signing service returned a signature that does not belong to the signing key');
}

function recoversTo(digest: Uint8Array, candidate: Signature, signer: string): boolean {
  try {
    return recoverAddress(digest, candidate) === signer;
  } catch {
    // Recovery fails when the candidate R is not a curve point: that parity is simply not the right one.
    return false;
  }
}
