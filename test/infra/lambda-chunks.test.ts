/**
 * A bundle whose code loads part of itself with `import()`, built with the stack's options and run by Node as Lambda
 * runs it: the pattern engine is not among the modules a cold start reads, and it loads from its chunk, works and
 * says what is wrong with a bad pattern, once a handler needs it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../../infra/constructs/carechain-function.ts';
import { bundleLambda, LAMBDA_ENTRY_FILE } from '../../infra/constructs/lambda-bundling.ts';
import { type BundleFiles, bundleFiles } from '../support/bundle-files.ts';

let directory: string;
let files: BundleFiles;

beforeAll(async () => {
  directory = mkdtempSync(path.join(tmpdir(), 'carechain-chunks-'));
  await bundleLambda('test/infra/fixtures/org-patterns-handler.ts', directory, REPOSITORY_ROOT);
  files = bundleFiles(directory);
}, 120_000);

/** Imports the bundle in a fresh Node process, calls its handler once and prints what it answered. */
function invoke(event: { pattern: string; text: string }): unknown {
  const entry = pathToFileURL(path.join(directory, LAMBDA_ENTRY_FILE)).href;
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
  expect(invoke({ pattern: 'JRN-\\d{8}', text: 'Åsa: JRN-20241234' })).toEqual({ found: ['message offset 6'] });
  expect(invoke({ pattern: '(a)\\1', text: '' })).toEqual({ problem: expect.stringMatching(/invalid escape/) });
});
