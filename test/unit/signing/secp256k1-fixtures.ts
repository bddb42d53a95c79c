/**
 * Test fixtures for signatures as AWS KMS produces them: a secp256k1 key made with noble, its public key as the
 * SPKI DER that KMS `GetPublicKey` returns (encoded by OpenSSL through node:crypto), DER signatures that may have
 * a high s, and digests found by search whose signatures have a short r or s (leading zero bytes).
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { computeAddress, hexlify } from 'ethers';

export const CURVE_ORDER = secp256k1.Point.CURVE().n;
const SHORT = 1n << 248n;

export interface TestKey {
  readonly secretKey: Uint8Array;
  readonly publicKey: string;
  readonly address: string;
  readonly spki: Uint8Array;
}

export function newTestKey(): TestKey {
  const secretKey = secp256k1.utils.randomSecretKey();
  const point = secp256k1.getPublicKey(secretKey, false);
  const jwk = {
    kty: 'EC',
    crv: 'secp256k1',
    x: Buffer.from(point.subarray(1, 33)).toString('base64url'),
    y: Buffer.from(point.subarray(33, 65)).toString('base64url'),
  };
  const spki = new Uint8Array(createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' }));
  const publicKey = hexlify(point);
  return { secretKey, publicKey, address: computeAddress(publicKey), spki };
}

/** What KMS `Sign` with `MessageType: DIGEST` returns: DER, s not normalised. */
export function kmsLikeSign(digest: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return secp256k1.sign(digest, secretKey, { prehash: false, lowS: false, format: 'der' });
}

export function parseDer(der: Uint8Array): { r: bigint; s: bigint } {
  return secp256k1.Signature.fromBytes(der, 'der');
}

export type EdgeCase = 'short-r' | 'short-s' | 'short-normalised-s' | 'high-s';

export function edgeCasesOf(der: Uint8Array): EdgeCase[] {
  const { r, s } = parseDer(der);
  const cases: EdgeCase[] = [];
  if (r < SHORT) cases.push('short-r');
  if (s < SHORT) cases.push('short-s');
  if (s > CURVE_ORDER / 2n) cases.push('high-s');
  if (s > CURVE_ORDER / 2n && CURVE_ORDER - s < SHORT) cases.push('short-normalised-s');
  return cases;
}

/** Searches random digests until one's signature shows the edge case (about 1 in 256–512 tries). */
export function findDigest(secretKey: Uint8Array, edgeCase: EdgeCase, maxTries = 20_000): Uint8Array {
  for (let i = 0; i < maxTries; i++) {
    const digest = new Uint8Array(randomBytes(32));
    if (edgeCasesOf(kmsLikeSign(digest, secretKey)).includes(edgeCase)) return digest;
  }
  throw new Error(`no digest with ${edgeCase} found in ${maxTries} tries`);
}
