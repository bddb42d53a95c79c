/**
 * Turns a DER-encoded ECDSA signature over a digest (what KMS `Sign` returns) into an Ethereum signature:
 * r and s left-padded to 32 bytes, s moved to the lower half of the curve order (EIP-2 rejects high s), and the
 * recovery id found by recovering the signer's address from each candidate — DER carries no recovery id, and
 * guessing it yields a valid-looking signature from someone else. Pure: no I/O.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { getAddress } from 'ethers/address';
import { Signature } from 'ethers/crypto';
import { computeAddress, recoverAddress } from 'ethers/transaction';
import { toBeHex } from 'ethers/utils';
import { UpstreamError } from '../errors.ts';

const CURVE_ORDER = secp256k1.Point.CURVE().n;
const HALF_CURVE_ORDER = CURVE_ORDER >> 1n;

/**
 * @param der the signature as ASN.1 DER `SEQUENCE { r INTEGER, s INTEGER }`
 * @param digest the 32 bytes that were signed
 * @param expectedAddress the address of the key that signed
 * @param publicKey the key's uncompressed public key (0x04…), when known: the recovery id then comes from one
 *   verification (R = u1·G + u2·Q, whose y parity is the id) instead of up to two address recoveries
 * @throws UpstreamError when the DER is malformed or the signature was not made by that key over that digest
 */
export function ethereumSignatureFromDer(
  der: Uint8Array,
  digest: Uint8Array,
  expectedAddress: string,
  publicKey?: string,
): Signature {
  let parsed: { r: bigint; s: bigint };
  try {
    parsed = secp256k1.Signature.fromBytes(der, 'der');
  } catch (cause) {
    throw new UpstreamError('The signing service returned a signature that is not valid DER', { cause });
  }
  const flipped = parsed.s > HALF_CURVE_ORDER;
  const s = flipped ? CURVE_ORDER - parsed.s : parsed.s;
  const r = toBeHex(parsed.r, 32);
  const lowS = toBeHex(s, 32);
  const signer = getAddress(expectedAddress);
  if (publicKey && computeAddress(publicKey) === signer) {
    const parity = signingPointParity(parsed.r, parsed.s, digest, publicKey);
    if (parity === undefined) {
      throw new UpstreamError('The signing service returned a signature that does not belong to the signing key');
    }
    // Negating s (low-s) mirrors the signing point, so its y parity flips with it.
    return Signature.from({ r, s: lowS, yParity: (flipped ? parity ^ 1 : parity) as 0 | 1 });
  }
  for (const yParity of [0, 1] as const) {
    const candidate = Signature.from({ r, s: lowS, yParity });
    if (recoversTo(digest, candidate, signer)) return candidate;
  }
  throw new UpstreamError('The signing service returned a signature that does not belong to the signing key');
}

/**
 * Verifies (r, s) over the digest against the public key and returns the y parity of the signing point R, or
 * undefined when the signature does not verify.
 */
function signingPointParity(r: bigint, s: bigint, digest: Uint8Array, publicKey: string): 0 | 1 | undefined {
  if (r <= 0n || r >= CURVE_ORDER || s <= 0n || s >= CURVE_ORDER) return undefined;
  const { Fn } = secp256k1.Point;
  const e = Fn.create(bytesToBigInt(digest));
  const w = Fn.inv(s);
  // Public values only (verification), so the variable-time multiplication is fine and accepts a zero scalar.
  const point = secp256k1.Point.BASE.multiplyUnsafe(Fn.mul(e, w)).add(
    secp256k1.Point.fromHex(publicKey.slice(2)).multiplyUnsafe(Fn.mul(r, w)),
  );
  if (point.is0()) return undefined;
  const { x, y } = point.toAffine();
  if (Fn.create(x) !== r) return undefined;
  return Number(y & 1n) as 0 | 1;
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

function recoversTo(digest: Uint8Array, candidate: Signature, signer: string): boolean {
  try {
    return recoverAddress(digest, candidate) === signer;
  } catch {
    // Recovery fails when the candidate R is not a curve point: that parity is simply not the right one.
    return false;
  }
}
