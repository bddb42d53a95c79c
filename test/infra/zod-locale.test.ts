/**
 * The bundling plugin that keeps only zod's English locale: a bundle of the API's zod (through `@hono/zod-openapi`,
 * which hands zod's whole namespace on) holds `en` alone in `z.locales` and `z.core.locales`, says what is wrong in
 * the same English words as zod unbundled, and still takes `z.config(z.locales.en())`. Without the plugin the same
 * bundle holds every locale. A zod module that no longer reads as the plugin expects stops the build.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from '@hono/zod-openapi';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../../infra/constructs/carechain-function.ts';
import { ENGLISH_ZOD_LOCALE, LAMBDA_ENTRY_FILE, lambdaBuildOptions } from '../../infra/constructs/lambda-bundling.ts';

const workDir = mkdtempSync(path.join(tmpdir(), 'carechain-zod-locale-'));

const SOURCE = `import { z } from '@hono/zod-openapi';
const Name = z.object({ name: z.string().min(3), age: z.number().int() });
const messages = () => Name.safeParse({ name: 'A', age: 1.5 }).error.issues.map((issue) => issue.message);
export const locales = Object.keys(z.locales);
export const coreLocales = Object.keys(z.core.locales);
export const before = messages();
z.config(z.locales.en());
export const after = messages();`;

async function bundled(name: string, plugins: boolean) {
  const outdir = path.join(workDir, name);
  const options = lambdaBuildOptions();
  await build({
    ...options,
    plugins: plugins ? options.plugins : [],
    sourcemap: false,
    outdir,
    stdin: { contents: SOURCE, resolveDir: REPOSITORY_ROOT, loader: 'ts', sourcefile: `${name}.ts` },
  });
  return (await import(pathToFileURL(path.join(outdir, LAMBDA_ENTRY_FILE)).href)) as {
    locales: string[];
    coreLocales: string[];
    before: string[];
    after: string[];
  };
}

it('keeps English alone, with the messages zod gives unbundled', async () => {
  const [trimmed, whole] = await Promise.all([bundled('trimmed', true), bundled('whole', false)]);
  expect(trimmed.locales).toEqual(['en']);
  expect(trimmed.coreLocales).toEqual(['en']);
  expect(whole.locales.length).toBeGreaterThan(30);
  expect(whole.locales).toContain('sv');
  const unbundled = z
    .object({ name: z.string().min(3), age: z.number().int() })
    .safeParse({ name: 'A', age: 1.5 })
    .error?.issues.map((issue) => issue.message);
  expect(trimmed.before).toEqual(unbundled);
  expect(trimmed.before).toEqual(['Too small: expected string to have >=3 characters', expect.stringMatching(/int/)]);
  expect(trimmed.after).toEqual(trimmed.before);
}, 60_000);

it('stops the build when zod no longer exports its locales as expected', async () => {
  const fakeZod = path.join(workDir, 'fake/node_modules/zod/v4/classic');
  mkdirSync(fakeZod, { recursive: true });
  writeFileSync(path.join(fakeZod, 'external.js'), 'export * as locales from "../i18n/index.js";\n');
  await expect(
    build({
      entryPoints: [path.join(fakeZod, 'external.js')],
      bundle: true,
      write: false,
      logLevel: 'silent',
      plugins: [ENGLISH_ZOD_LOCALE],
    }),
  ).rejects.toThrow(/no longer exports zod's locales as ENGLISH_ZOD_LOCALE expects/);
});
