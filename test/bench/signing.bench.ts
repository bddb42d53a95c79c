/**
 * Signing throughput: signatures per second from the local vault (libsecp256k1 as WebAssembly), a raw libsecp256k1
 * and a raw noble sign beside it, and what turning a KMS-style DER signature into an Ethereum (r, s, v) costs per
 * signature next to a raw noble sign (the KMS vault converts with noble in AWS).
 * Run: node --import tsx test/bench/signing.bench.ts [signatures]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { computeAddress, hexlify } from 'ethers';
import { signRecoverable } from 'tiny-secp256k1';
import { LocalKeyVault } from '../../shared/adapters/local/local-key-vault.ts';
import { ethereumSignatureFromDer } from '../../shared/chain/signature.ts';

export interface SigningBenchFigures {
  readonly signatures: number;
  /** `LocalKeyVault.sign`: the key kept unsealed after its first signature, libsecp256k1's signature. */
  readonly localVaultSignaturesPerSecond: number;
  readonly localVaultMicrosPerSignature: number;
  /** libsecp256k1's (tiny-secp256k1) recoverable signature, what the local vault signs with. */
  readonly rawLibsecp256k1SignMicros: number;
  /** noble `sign` with low s and the recovery id, what the local vault signed with before. */
  readonly rawNobleSignMicros: number;
  /** noble `sign` returning DER with high s allowed, as KMS answers. */
  readonly derNobleSignMicros: number;
  /** `ethereumSignatureFromDer`: parse, pad, low-s, recover the address for each candidate recovery id. */
  readonly derToRsvMicros: number;
  /** The same with the public key known (what the KMS vault does): one verification gives the recovery id. */
  readonly derToRsvWithPublicKeyMicros: number;
  /** How many raw noble signs the DER → (r, s, v) step costs. */
  readonly derToRsvOverRawSign: number;
}

function microsPerCall(count: number, call: (i: number) => void): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) call(i);
  return Number(process.hrtime.bigint() - started) / 1000 / count;
}

/** Measures and prints the figures, and returns them for a runner. */
export async function run(signatures = 500): Promise<SigningBenchFigures> {
  const figures = await measure(signatures);
  print(figures);
  return figures;
}

async function measure(signatures: number): Promise<SigningBenchFigures> {
  const digests = Array.from({ length: signatures }, () => new Uint8Array(randomBytes(32)));
  const secretKey = secp256k1.utils.randomSecretKey();
  const publicKeyHex = hexlify(secp256k1.getPublicKey(secretKey, false));
  const address = computeAddress(publicKeyHex);
  const warmUp = Math.min(50, signatures);

  microsPerCall(warmUp, (i) => secp256k1.sign(digests[i]!, secretKey, { prehash: false, format: 'recovered' }));
  const rawNobleSignMicros = microsPerCall(signatures, (i) =>
    secp256k1.sign(digests[i]!, secretKey, { prehash: false, lowS: true, format: 'recovered' }),
  );
  microsPerCall(warmUp, (i) => signRecoverable(digests[i]!, secretKey));
  const rawLibsecp256k1SignMicros = microsPerCall(signatures, (i) => signRecoverable(digests[i]!, secretKey));
  const ders: Uint8Array[] = [];
  const derNobleSignMicros = microsPerCall(signatures, (i) => {
    ders.push(secp256k1.sign(digests[i]!, secretKey, { prehash: false, lowS: false, format: 'der' }));
  });
  microsPerCall(warmUp, (i) => ethereumSignatureFromDer(ders[i]!, digests[i]!, address));
  const derToRsvMicros = microsPerCall(signatures, (i) => ethereumSignatureFromDer(ders[i]!, digests[i]!, address));
  const derToRsvWithKeyMicros = microsPerCall(signatures, (i) =>
    ethereumSignatureFromDer(ders[i]!, digests[i]!, address, publicKeyHex),
  );

  const dataDir = mkdtempSync(join(tmpdir(), 'carechain-bench-vault-'));
  try {
    const vault = new LocalKeyVault(dataDir);
    const { keyRef } = await vault.createKey({ orgId: 'org_benchbenchbenchbench', alias: 'bench' });
    for (let i = 0; i < warmUp; i++) await vault.sign(keyRef, digests[i]!);
    const started = process.hrtime.bigint();
    for (const digest of digests) await vault.sign(keyRef, digest);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      signatures,
      localVaultSignaturesPerSecond: signatures / seconds,
      localVaultMicrosPerSignature: (seconds * 1e6) / signatures,
      rawLibsecp256k1SignMicros,
      rawNobleSignMicros,
      derNobleSignMicros,
      derToRsvMicros,
      derToRsvWithPublicKeyMicros: derToRsvWithKeyMicros,
      derToRsvOverRawSign: derToRsvMicros / rawNobleSignMicros,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function print(figures: SigningBenchFigures): void {
  const rows: [string, number][] = [
    ['local vault sign (key kept unsealed, libsecp256k1)', figures.localVaultMicrosPerSignature],
    ['raw libsecp256k1 sign (WebAssembly, recovery id)', figures.rawLibsecp256k1SignMicros],
    ['raw noble sign (low s, recovery id)', figures.rawNobleSignMicros],
    ['noble sign as KMS answers (DER, high s allowed)', figures.derNobleSignMicros],
    ['DER -> (r, s, v) (parse, low s, recover address)', figures.derToRsvMicros],
    ['DER -> (r, s, v) with the public key (KMS vault path)', figures.derToRsvWithPublicKeyMicros],
  ];
  console.log(`signing benchmark, ${figures.signatures} signatures per row`);
  console.log(`${'step'.padEnd(52)}${'us/signature'.padStart(14)}${'signatures/s'.padStart(14)}`);
  for (const [name, micros] of rows) {
    console.log(`${name.padEnd(52)}${micros.toFixed(1).padStart(14)}${(1e6 / micros).toFixed(0).padStart(14)}`);
  }
  console.log(`local vault: ${figures.localVaultSignaturesPerSecond.toFixed(0)} signatures/s`);
  console.log(`DER -> (r, s, v) costs ${figures.derToRsvOverRawSign.toFixed(2)}x a raw noble sign`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const count = Number(process.argv[2] ?? 500);
  await run(Number.isInteger(count) && count > 0 ? count : 500);
}
