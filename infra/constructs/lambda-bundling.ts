/**
 * How every Lambda bundle is built, shared by the stack (`CareChainFunction`, through `infra/bin/bundle-lambda.ts`)
 * and the bundle benchmark, so the figures the benchmark prints are those of what is deployed.
 */
import { readFile } from 'node:fs/promises';
import { type BuildOptions, type BuildResult, build, type Plugin } from 'esbuild';

/**
 * esbuild's ESM output has no `require`; CommonJS code inside the AWS SDK calls `require('node:https')` and
 * would fail at import with "Dynamic require … is not supported" without this banner.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/** Matches the Lambda runtime (Node.js 24); esbuild keeps syntax that runtime understands. */
export const BUNDLE_TARGET = 'node24';

/**
 * Prefer packages' ESM builds, which tree-shake better. A package's `require` still takes the CommonJS build, as in
 * Node: `siwe` and `ethr-did-resolver` `require('ethers')`, and since both are loaded at their first use, their copy
 * of ethers is in the chunks loaded then, while a cold start reads only the parts of the ESM build our code imports.
 * (Taking every `ethers` from the ESM build, as bundles once did to hold one copy, made it a module that is
 * `require`d, which esbuild keeps whole: 413 KiB at every cold start of the API.)
 */
export const BUNDLE_MAIN_FIELDS = ['module', 'main'] as const;

/** The schema modules of the AWS SDK's clients (one or more per client, all of the service's shapes). */
const SDK_SCHEMA_MODULE = /@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;
/** A top-level string constant of a schema module: `const _xN = "xmlName";`. */
const STRING_CONSTANT = /^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm;
/** A computed property key that names one of those constants: `[_xN]:`. */
const CONSTANT_KEY = /\[(_\w+)\]:/g;

/**
 * The AWS SDK's schema modules write their protocol traits with computed keys, `{ [_xN]: _TMFI }`. esbuild cannot
 * tell that such a key has no side effect, so it keeps every shape of the service: 536 KiB of EC2 shapes for a
 * function that sends four EC2 commands. The keys are the module's own string constants; writing each as the
 * string it holds (`{ "xmlName": _TMFI }`) builds the same objects, and the shapes nothing uses can be dropped.
 * A key whose name is not such a constant is left as it is.
 */
export function literalSchemaKeys(source: string): string {
  const constants = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(STRING_CONSTANT)) constants.set(name as string, literal as string);
  return source.replace(CONSTANT_KEY, (key, name: string) => {
    const literal = constants.get(name);
    return literal === undefined ? key : `${literal}:`;
  });
}

/** Lets esbuild drop the SDK shapes a bundle does not use (see `literalSchemaKeys`). */
export const SHAKEABLE_SDK_SCHEMAS: Plugin = {
  name: 'shakeable-sdk-schemas',
  setup(bundler) {
    bundler.onLoad({ filter: SDK_SCHEMA_MODULE }, async ({ path }) => ({
      contents: literalSchemaKeys(await readFile(path, 'utf8')),
      loader: 'js',
    }));
  },
};

/** The zod modules whose namespaces (`z`, `z.core`, zod/mini's `z`) hold every locale zod ships. */
const ZOD_NAMESPACES = /[\\/]zod[\\/]v4[\\/](classic[\\/]external|mini[\\/]external|core[\\/]index)\.js$/;
const ALL_ZOD_LOCALES = 'export * as locales from "../locales/index.js";';

/**
 * `@hono/zod-openapi` hands zod's whole namespace to `extendZodWithOpenApi(z)`, so a bundle keeps all of it: with it
 * the 40-odd translations of zod's messages in `z.locales` (and `z.core.locales`), 257 KiB of the API. The platform
 * answers in English, the locale zod sets by default; this keeps only that one in the namespaces
 * (`z.config(z.locales.en())` still works).
 * A zod whose module no longer reads as expected stops the build rather than being bundled whole unnoticed.
 */
export const ENGLISH_ZOD_LOCALE: Plugin = {
  name: 'english-zod-locale',
  setup(bundler) {
    bundler.onLoad({ filter: ZOD_NAMESPACES }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      if (!source.includes(ALL_ZOD_LOCALES)) {
        return { errors: [{ text: `${path} no longer exports zod's locales as ENGLISH_ZOD_LOCALE expects` }] };
      }
      const englishOnly = 'import __en from "../locales/en.js";\nexport const locales = Object.freeze({ en: __en });';
      return { contents: source.replace(ALL_ZOD_LOCALES, englishOnly), loader: 'js' };
    });
  },
};

/** The module Lambda loads (`index.handler`); chunks loaded later go under `chunks/` beside it. */
export const LAMBDA_ENTRY_FILE = 'index.mjs';

/**
 * The esbuild options of every Lambda bundle (the SDK is bundled, not taken from the runtime). Code the handler
 * loads with `import()` goes into chunks of its own, read when first needed rather than at every cold start: the
 * personal-data guard's pattern engine (used only by organisations with patterns of their own), siwe, the did:ethr
 * resolver, Stripe, and the AWS SDK's credential sources past the environment.
 */
export function lambdaBuildOptions(): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    splitting: true,
    entryNames: 'index',
    chunkNames: 'chunks/[name]-[hash]',
    target: BUNDLE_TARGET,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: [...BUNDLE_MAIN_FIELDS],
    banner: { js: ESM_REQUIRE_BANNER },
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
    plugins: [SHAKEABLE_SDK_SCHEMAS, ENGLISH_ZOD_LOCALE],
  };
}

/**
 * Bundles one handler entry (absolute, or relative to `workingDir`) into `outdir` as it is deployed:
 * `LAMBDA_ENTRY_FILE` and its chunks.
 */
export function bundleLambda(entry: string, outdir: string, workingDir: string): Promise<BuildResult> {
  return build({ ...lambdaBuildOptions(), absWorkingDir: workingDir, entryPoints: [entry], outdir });
}
