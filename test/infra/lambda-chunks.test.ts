/**
 * Bundles whose code loads part of itself with `import()`, built with the stack's options and run by Node as Lambda
 * runs them: the pattern engine is not among the modules a cold start reads, and it loads from its chunk, works and
 * says what is wrong with a bad pattern, once a handler needs it. The API's other parts loaded at first use work from
 * their chunks through the product's own loaders: siwe, with the CommonJS build of ethers it requires, verifies an
 * EIP-4361 sign-in signed with the ESM build our code imports and refuses a tampered one; the did:ethr resolver
 * answers; a Stripe client is made; the consent routes' work is made from its chunk. (CommonJS packages in a chunk have no named exports: a loader that read them
 * would fail here, though it passes unbundled.)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../../infra/constructs/carechain-function.ts';
import { bundleLambda, LAMBDA_ENTRY_FILE } from '../../infra/constructs/lambda-bundling.ts';
import consentLedger from '../../shared/chain/contracts/build/ConsentLedger.json' with { type: 'json' };
import { type BundleFiles, bundleFiles } from '../support/bundle-files.ts';

let directory: string;
let partsDirectory: string;
let files: BundleFiles;

beforeAll(async () => {
  directory = mkdtempSync(path.join(tmpdir(), 'carechain-chunks-'));
  partsDirectory = mkdtempSync(path.join(tmpdir(), 'carechain-chunks-parts-'));
  await Promise.all([
    bundleLambda('test/infra/fixtures/org-patterns-handler.ts', directory, REPOSITORY_ROOT),
    bundleLambda('test/infra/fixtures/lazy-parts-handler.ts', partsDirectory, REPOSITORY_ROOT),
  ]);
  files = bundleFiles(directory);
}, 120_000);

/** Imports a bundle in a fresh Node process, calls its handler once and prints what it answered. */
function invoke(event: object, bundle = directory): unknown {
  const entry = pathToFileURL(path.join(bundle, LAMBDA_ENTRY_FILE)).href;
  const script = `const { handler } = await import(${JSON.stringify(entry)});
process.stdout.write(JSON.stringify(await handler(${JSON.stringify(event)})));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

it('keeps the pattern engine out of what a cold start reads', () => {
  const inEngine = (file: string) => readFileSync(file, 'utf8').includes('invalid escape sequence');
  expect(files.atStart.map((file) => path.relative(directory, file))).toEqual([LAMBDA_ENTRY_FILE]);
  expect(files.later.filter(inEngine)).toHaveLength(1);
  expect(files.laterBytes).toBeGreaterThan(100 * 1024);
});

it('loads the engine from its chunk when patterns are used, and runs them', () => {
  expect(invoke({ pattern: 'JRN-\\d{8}', text: 'Åsa: JRN-20241234' })).toEqual({
    found: ['org-pattern at message offset 6'],
  });
  expect(invoke({ pattern: '(a)\\1', text: '' })).toEqual({ problem: expect.stringMatching(/invalid escape/) });
});

it('loads the numbering plans from their chunk before the first inspection, and validates numbers with them', () => {
  // libphonenumber-js's minimal metadata gives each country its calling code; Sweden's entry, as esbuild writes it.
  const inPlans = (file: string) => readFileSync(file, 'utf8').includes('SE:["46","00"');
  expect(files.atStart.filter(inPlans)).toEqual([]);
  expect(files.later.filter(inPlans)).toHaveLength(1);
  expect(invoke({ pattern: 'JRN-\\d{8}', text: 'Ring +46 70 123 45 67, inte +46 70 123' })).toEqual({
    found: ['phone at message offset 5'],
  });
});

it("runs siwe, the did:ethr resolver, Stripe and the contracts' artefacts from their chunks, as the API loads them", () => {
  const parts = bundleFiles(partsDirectory);
  const holds = (marker: string) => (file: string) => readFileSync(file, 'utf8').includes(marker);
  for (const marker of ['wants you to sign in with your Ethereum account', 'EcdsaSecp256k1RecoveryMethod2020']) {
    expect(parts.atStart.filter(holds(marker)), marker).toEqual([]);
    expect(parts.later.filter(holds(marker)).length, marker).toBeGreaterThan(0);
  }
  // anvil's first development key: a known address.
  const privateKey = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
  expect(invoke({ privateKey, tamper: false }, partsDirectory)).toEqual({
    signIn: { success: true, address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' },
    did: 'invalidDid',
    stripe: 'function',
    decimal: '0.5',
    ledgerCode: consentLedger.bytecode.slice(0, 10),
    didRegistry: 'changed(address)',
    consentApi: ['function', 'function'],
  });
  expect(invoke({ privateKey, tamper: true }, partsDirectory)).toMatchObject({ signIn: { success: false } });
});
