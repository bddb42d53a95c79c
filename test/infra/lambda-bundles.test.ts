/**
 * Bundles each Lambda entry that exists, exactly as the stack does (local esbuild, ESM, minified), and holds
 * each bundle to the budget of its catalog row. A bare Hono handler goes through the same path, so the
 * bundling itself is checked even while handlers are still being written.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CareChainFunction, REPOSITORY_ROOT } from '../../infra/constructs/carechain-function.ts';
import { FUNCTIONS, type FunctionSpec } from '../../infra/constructs/function-catalog.ts';
import { ESM_REQUIRE_BANNER } from '../../infra/constructs/lambda-bundling.ts';

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
const bundles = new Map<string, string>();

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
      bundles.set(spec.name, path.join(assembly.directory, assetPath, 'index.mjs'));
    }
  }
  // Thirteen or more functions bundled one after another, on a machine that may be busy.
}, 600_000);

describe.each(specs.map((spec) => [spec.name, spec] as const))('bundle of %s', (name, spec) => {
  it(`stays within its budget of ${Math.round(spec.bundleBudgetBytes / 1024)} KiB`, () => {
    const file = bundles.get(name);
    expect(file, `no bundle produced for ${spec.entry}`).toBeDefined();
    const size = statSync(file!).size;
    expect(size).toBeGreaterThan(0);
    expect(size).toBeLessThanOrEqual(spec.bundleBudgetBytes);
  });

  it('is an ES module that gives bundled CommonJS code a require', () => {
    const code = readFileSync(bundles.get(name)!, 'utf8');
    expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
  });
});

it('gives every function a bundle of its own entry', () => {
  expect([...bundles.keys()].sort()).toEqual(specs.map((spec) => spec.name).sort());
  expect(new Set(bundles.values()).size).toBe(specs.length);
  // The bare handler's bundle holds Hono and little else; every control-plane function holds far more.
  const bare = statSync(bundles.get(BARE_HONO.name)!).size;
  for (const spec of existing) expect(statSync(bundles.get(spec.name)!).size).toBeGreaterThan(4 * bare);
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
