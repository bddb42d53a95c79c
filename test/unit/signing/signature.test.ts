import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { getBytes, recoverAddress, toBeHex } from 'ethers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ethereumSignatureFromDer } from '../../../shared/chain/signature.ts';
import { UpstreamError } from '../../../shared/errors.ts';
import { CURVE_ORDER, edgeCasesOf, findDigest, kmsLikeSign, newTestKey, parseDer } from './secp256k1-fixtures.ts';

const key = newTestKey();

function expectCanonicalFor(der: Uint8Array, digest: Uint8Array) {
  const signature = ethereumSignatureFromDer(der, digest, key.address);
  const { r, s } = parseDer(der);
  expect(signature.r).toBe(toBeHex(r, 32));
  expect(signature.s).toBe(toBeHex(s > CURVE_ORDER / 2n ? CURVE_ORDER - s : s, 32));
  expect(getBytes(signature.r)).toHaveLength(32);
  expect(getBytes(signature.s)).toHaveLength(32);
  expect(BigInt(signature.s) <= CURVE_ORDER / 2n).toBe(true);
  expect(recoverAddress(digest, signature)).toBe(key.address);
  return signature;
}

describe('ethereumSignatureFromDer', () => {
  it('gives the same signature as a low-s signer with a known recovery id, for any digest', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (digest) => {
        const signature = expectCanonicalFor(kmsLikeSign(digest, key.secretKey), digest);
        const reference = secp256k1.sign(digest, key.secretKey, { prehash: false, lowS: true, format: 'recovered' });
        expect(signature.yParity).toBe(reference[0]);
      }),
      { numRuns: 100 },
    );
  });

  it.each(['high-s', 'short-r', 'short-s', 'short-normalised-s'] as const)('handles a signature with %s', (edge) => {
    const digest = findDigest(key.secretKey, edge);
    const der = kmsLikeSign(digest, key.secretKey);
    expect(edgeCasesOf(der)).toContain(edge);
    expectCanonicalFor(der, digest);
  });

  it('finds the same recovery id from the public key (one verification) as by recovering addresses', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (digest) => {
        const der = kmsLikeSign(digest, key.secretKey);
        const viaPublicKey = ethereumSignatureFromDer(der, digest, key.address, key.publicKey);
        expect(viaPublicKey.serialized).toBe(ethereumSignatureFromDer(der, digest, key.address).serialized);
        expect(recoverAddress(digest, viaPublicKey)).toBe(key.address);
      }),
      { numRuns: 200 },
    );
    for (const edge of ['high-s', 'short-r', 'short-s', 'short-normalised-s'] as const) {
      const digest = findDigest(key.secretKey, edge);
      const der = kmsLikeSign(digest, key.secretKey);
      expect(recoverAddress(digest, ethereumSignatureFromDer(der, digest, key.address, key.publicKey))).toBe(
        key.address,
      );
    }
    const other = new Uint8Array(randomBytes(32));
    expect(() =>
      ethereumSignatureFromDer(kmsLikeSign(other, key.secretKey), new Uint8Array(32), key.address, key.publicKey),
    ).toThrow(/does not belong to the signing key/);
  });

  it('finds both recovery ids rather than assuming one', () => {
    const parities = new Set<number>();
    for (let i = 0; i < 64 && parities.size < 2; i++) {
      const digest = new Uint8Array(randomBytes(32));
      parities.add(ethereumSignatureFromDer(kmsLikeSign(digest, key.secretKey), digest, key.address).yParity);
    }
    expect([...parities].sort()).toEqual([0, 1]);
  });

  it('accepts the expected address in any letter case', () => {
    const digest = new Uint8Array(randomBytes(32));
    const der = kmsLikeSign(digest, key.secretKey);
    const signature = ethereumSignatureFromDer(der, digest, key.address.toLowerCase());
    expect(recoverAddress(digest, signature)).toBe(key.address);
  });

  it('refuses a signature made by another key', () => {
    const digest = new Uint8Array(randomBytes(32));
    const der = kmsLikeSign(digest, newTestKey().secretKey);
    expect(() => ethereumSignatureFromDer(der, digest, key.address)).toThrow(UpstreamError);
    expect(() => ethereumSignatureFromDer(der, digest, key.address)).toThrow(/does not belong to the signing key/);
  });

  it('refuses a signature over another digest', () => {
    const digest = new Uint8Array(randomBytes(32));
    const der = kmsLikeSign(digest, key.secretKey);
    const other = new Uint8Array(randomBytes(32));
    expect(() => ethereumSignatureFromDer(der, other, key.address)).toThrow(UpstreamError);
  });

  it('refuses bytes that are not DER', () => {
    const digest = new Uint8Array(randomBytes(32));
    const der = kmsLikeSign(digest, key.secretKey);
    for (const bad of [new Uint8Array(0), der.subarray(0, der.length - 1), new Uint8Array(64).fill(1)]) {
      expect(() => ethereumSignatureFromDer(bad, digest, key.address)).toThrow(/not valid DER/);
    }
  });
});
