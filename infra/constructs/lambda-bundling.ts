/**
 * How every Lambda bundle is built, shared by the stack (NodejsFunction) and the bundle benchmark (esbuild),
 * so the figures the benchmark prints are those of what is deployed.
 */

/**
 * esbuild's ESM output has no `require`; CommonJS code inside the AWS SDK calls `require('node:https')` and
 * would fail at import with "Dynamic require … is not supported" without this banner.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/** Matches the Lambda runtime (Node.js 24); esbuild keeps syntax that runtime understands. */
export const BUNDLE_TARGET = 'node24';

/** Prefer packages' ESM builds, which tree-shake better. */
export const BUNDLE_MAIN_FIELDS = ['module', 'main'] as const;

/**
 * Packages written as CommonJS (`siwe`, `ethr-did-resolver`) `require('ethers')`, which resolves to ethers'
 * CommonJS build; our own imports resolve to its ESM build, so a bundle held ethers twice (~360 KB in the API).
 * Every `ethers` is taken from the ESM build: one copy, the same version and API.
 */
export const BUNDLE_ALIASES = { ethers: './node_modules/ethers/lib.esm/index.js' } as const;

/** esbuild options equivalent to the stack's NodejsFunction bundling (the SDK is bundled, not taken from the runtime). */
export const ESBUILD_LAMBDA_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: BUNDLE_TARGET,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: [...BUNDLE_MAIN_FIELDS],
  banner: { js: ESM_REQUIRE_BANNER },
  alias: { ...BUNDLE_ALIASES },
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
} as const;
