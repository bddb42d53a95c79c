/**
 * Bundles each Lambda entry that exists, exactly as the stack does (local esbuild, ESM, minified), and holds
 * what each function reads at a cold start (its entry module and the chunks that imports) to the budget of its
 * catalog row. A bare Hono handler goes through the same path, so the bundling itself is checked even while handlers
 * are still being written. Code loaded with `import()` is in chunks read later: the gateway's pattern engine is one.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import didRegistry from 'ethr-did-registry';
import { beforeAll, describe, expect, it } from 'vitest';
import { CareChainFunction, REPOSITORY_ROOT } from '../../infra/constructs/carechain-function.ts';
import { FUNCTIONS, type FunctionSpec, ONE_MB } from '../../infra/constructs/function-catalog.ts';
import { ESM_REQUIRE_BANNER, LAMBDA_ENTRY_FILE } from '../../infra/constructs/lambda-bundling.ts';
import consentLedger from '../../shared/chain/contracts/build/ConsentLedger.json' with { type: 'json' };
import consortiumGovernance from '../../shared/chain/contracts/build/ConsortiumGovernance.json' with { type: 'json' };
import { type BundleFiles, bundleFiles } from '../support/bundle-files.ts';

const BARE_HONO: FunctionSpec = {
  name: 'bare-hono',
  entry: 'test/infra/fixtures/bare-hono-handler.ts',
  description: 'Bare Hono handler (yardstick)',
  memoryMb: 128,
  timeoutSeconds: 3,
  bundleBudgetBytes: 100 * 1024,
  reachesNodes: false,
  capabilities: [],
};

const existing = FUNCTIONS.filter((spec) => existsSync(path.join(REPOSITORY_ROOT, spec.entry)));
const specs: FunctionSpec[] = [BARE_HONO, ...existing];
const bundles = new Map<string, BundleFiles>();

// Bundles every function through the CDK (esbuild, one after another): seconds each on an idle machine, ten or more
// each on a shared, loaded one, so the hook may take minutes.
beforeAll(() => {
  const app = new App({
    outdir: mkdtempSync(path.join(tmpdir(), 'carechain-bundles-')),
    context: { 'aws:cdk:enable-asset-metadata': true },
  });
  const stack = new Stack(app, 'Bundles', { env: { region: 'eu-north-1' } });
  for (const spec of specs) {
    new CareChainFunction(stack, spec.name, {
      spec,
      environment: {},
      logRetention: logs.RetentionDays.ONE_DAY,
      logRemovalPolicy: RemovalPolicy.DESTROY,
    });
  }
  const assembly = app.synth();
  const template = assembly.getStackByName('Bundles').template as {
    Resources: Record<
      string,
      { Type: string; Properties: { Description?: string }; Metadata?: Record<string, string> }
    >;
  };
  for (const resource of Object.values(template.Resources)) {
    const spec = specs.find((candidate) => candidate.description === resource.Properties.Description);
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (resource.Type === 'AWS::Lambda::Function' && spec && assetPath) {
      bundles.set(spec.name, bundleFiles(path.join(assembly.directory, assetPath)));
    }
  }
  // Thirteen or more functions bundled one after another, on a machine that may be busy.
}, 600_000);

it('gives no function a budget above one megabyte (1,000,000 bytes) at a cold start', () => {
  expect(FUNCTIONS.filter((spec) => spec.bundleBudgetBytes > ONE_MB).map((spec) => spec.name)).toEqual([]);
});

describe.each(specs.map((spec) => [spec.name, spec] as const))('bundle of %s', (name, spec) => {
  it(`reads within its budget of ${Math.round(spec.bundleBudgetBytes / 1024)} KiB at a cold start`, () => {
    const files = bundles.get(name);
    expect(files, `no bundle produced for ${spec.entry}`).toBeDefined();
    expect(path.basename(files!.atStart[0]!)).toBe(LAMBDA_ENTRY_FILE);
    expect(files!.startBytes).toBeGreaterThan(0);
    expect(files!.startBytes).toBeLessThanOrEqual(spec.bundleBudgetBytes);
  });

  it('is made of ES modules that give bundled CommonJS code a require, the entry exporting the handler', () => {
    const files = bundles.get(name)!;
    for (const file of [...files.atStart, ...files.later]) {
      expect(readFileSync(file, 'utf8').startsWith(ESM_REQUIRE_BANNER), file).toBe(true);
    }
    expect(readFileSync(files.atStart[0]!, 'utf8')).toMatch(/export\s*\{[^}]*\bhandler\b/);
  });
});

it('gives every function a bundle of its own entry', () => {
  expect([...bundles.keys()].sort()).toEqual(specs.map((spec) => spec.name).sort());
  expect(new Set([...bundles.values()].map((files) => files.atStart[0])).size).toBe(specs.length);
  // The bare handler's bundle holds Hono and little else; every control-plane function holds far more.
  const bare = bundles.get(BARE_HONO.name)!.startBytes;
  for (const spec of existing) expect(bundles.get(spec.name)!.startBytes).toBeGreaterThan(4 * bare);
});

/** 32 bytes from the middle of a contract's creation code, which only a deployment reads. */
const codeOf = (artefact: { readonly bytecode: string }) => artefact.bytecode.slice(4000, 4064);

/** What a few requests use, each found by text only it holds. */
const LOADED_LATER = [
  ['gateway', 'the RE2 engine', 'invalid escape sequence'],
  ['gateway-sockets', 'the RE2 engine', 'invalid escape sequence'],
  ['api', 'the RE2 engine', 'invalid escape sequence'],
  ['api', 'siwe', 'wants you to sign in with your Ethereum account'],
  ['api', 'the did:ethr resolver', 'EcdsaSecp256k1RecoveryMethod2020'],
  ['api', 'Stripe', 'StripeSignatureVerificationError'],
  ['billing-sync', 'Stripe', 'StripeSignatureVerificationError'],
  ['api', 'the telephone numbering plans', 'SE:["46","00"'],
  ['gateway', 'the telephone numbering plans', 'SE:["46","00"'],
  ['gateway-sockets', 'the telephone numbering plans', 'SE:["46","00"'],
  ['api', 'the ConsentLedger’s code', codeOf(consentLedger)],
  ['api', 'the ConsortiumGovernance’s code', codeOf(consortiumGovernance)],
  ['governance', 'the ConsortiumGovernance’s code', codeOf(consortiumGovernance)],
  ['api', 'the DID registry’s code', codeOf(didRegistry.EthereumDIDRegistry)],
  // @noble/curves, with which a KMS signature's DER becomes an Ethereum signature (ethers' own copy says it otherwise).
  ['api', 'the secp256k1 arithmetic of KMS signatures', 'DER signature too long'],
  ['governance', 'the secp256k1 arithmetic of KMS signatures', 'DER signature too long'],
  // ethers' JSON-RPC provider (providers/provider-jsonrpc.js): one import of the package's root would bring it back.
  ['api', 'ethers’ JSON-RPC provider', 'failed to bootstrap network detection'],
  // Route groups whose work loads at their first request: governance, consents and patients, DIDs.
  ['api', 'the governance service', 'No governance transaction with that hash'],
  ['api', 'the patients’ consent views', 'signed in for another network; sign in for this one'],
  ['api', 'the DID service', 'attribute takes the public key in 0x-hex'],
  // prom-client, for /metrics: the API Lambda counts no requests itself (CloudWatch does), so only a scrape loads it.
  ['api', 'prom-client', 'process_cpu_user_seconds_total'],
  ['api', 'the SQS client', 'SQSServiceException'],
  ['api', 'the public-address rules of webhook URLs (ipaddr.js)', 'ipaddr: address outside defined range'],
  ['api', 'ENS name normalisation (through ethers/hash)', 'disallowed character'],
] as const;

it.each(LOADED_LATER)('leaves %s’s %s to a chunk read when it is first used', (name, _what, marker) => {
  const holds = (file: string) => readFileSync(file, 'utf8').includes(marker);
  const files = bundles.get(name)!;
  expect(files.atStart.filter(holds)).toEqual([]);
  expect(files.later.filter(holds).length).toBeGreaterThan(0);
});

it('refuses to synthesise a function whose entry is missing, naming the file', () => {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'carechain-bundles-')) });
  const stack = new Stack(app, 'Missing', { env: { region: 'eu-north-1' } });
  const spec: FunctionSpec = { ...BARE_HONO, name: 'ghost', entry: 'functions/handlers/ghost.ts' };
  expect(
    () =>
      new CareChainFunction(stack, 'Ghost', {
        spec,
        environment: {},
        logRetention: logs.RetentionDays.ONE_DAY,
        logRemovalPolicy: RemovalPolicy.DESTROY,
      }),
  ).toThrow(/Lambda entry functions\/handlers\/ghost\.ts for the "ghost" function does not exist/);
});
