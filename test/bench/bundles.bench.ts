/**
 * Lambda bundle benchmark: bundles every handler entry that exists with the stack's esbuild options, then prints
 * what each function reads at a cold start (its entry and the chunks that imports), what it may read later (chunks
 * loaded with `import()`), and its cold module-initialisation time (import in a fresh `node` process, median of a
 * few runs) beside a bare Hono handler, the floor any handler starts from.
 *
 *   node --import tsx test/bench/bundles.bench.ts [runs]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { REPOSITORY_ROOT } from '../../infra/constructs/carechain-function.ts';
import { FUNCTIONS } from '../../infra/constructs/function-catalog.ts';
import { BUNDLE_TARGET, LAMBDA_ENTRY_FILE, lambdaBuildOptions } from '../../infra/constructs/lambda-bundling.ts';
import { bundleFiles } from '../support/bundle-files.ts';

const BARE_HONO_SOURCE = `
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
export const handler = handle(new Hono().get('/', (c) => c.text('ok')));
`;

/**
 * What a function sees in Lambda, with placeholder values: enough for configuration to load at import.
 * Nothing is called at import time, so no value has to point anywhere real.
 */
const LAMBDA_LIKE_ENV = {
  AWS_REGION: 'eu-north-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  CARECHAIN_MODE: 'aws',
  CARECHAIN_STAGE: 'bench',
  CARECHAIN_TABLE_NAME: 'carechain-bench',
  CARECHAIN_LOG_LEVEL: 'silent',
  CARECHAIN_PUBLIC_URL: 'https://console.carechain.example',
  STRIPE_SECRET_ARN: 'arn:aws:secretsmanager:eu-north-1:123456789012:secret:carechain-stripe',
  CARECHAIN_PROVISIONING_QUEUE_URL: 'https://sqs.eu-north-1.amazonaws.com/123456789012/carechain-provisioning',
  CARECHAIN_PLATFORM_KEY_ID: '0b3c6a2e-1111-2222-3333-444455556666',
  CARECHAIN_LAUNCH_TEMPLATES: JSON.stringify({ small: { id: 'lt-0123456789abcdef0', version: '$Default' } }),
  CARECHAIN_NODE_SUBNET_IDS: 'subnet-0123456789abcdef0',
  CARECHAIN_NODE_CONFIG_BUCKET: 'carechain-bench-nodecfg',
};

export type BundleFigures = {
  readonly name: string;
  /** What a cold start reads. */
  readonly bytes: number;
  /** What is read only when the code asks for it. */
  readonly laterBytes: number;
  /** Median milliseconds to import the bundle in a fresh process, or the error that stopped the import. */
  readonly initMs: number | string;
};

/** Bundles into a directory of its own; returns that directory. */
async function bundle(name: string, input: { entry: string } | { source: string }, outdir: string): Promise<string> {
  const directory = path.join(outdir, name);
  await build({
    ...lambdaBuildOptions(),
    outdir: directory,
    absWorkingDir: REPOSITORY_ROOT,
    ...('entry' in input
      ? { entryPoints: [path.join(REPOSITORY_ROOT, input.entry)] }
      : { stdin: { contents: input.source, resolveDir: REPOSITORY_ROOT, loader: 'ts', sourcefile: `${name}.ts` } }),
  });
  return directory;
}

/** Imports the bundle in a new process and reports how long the import took, as measured inside it. */
function coldImportMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  // Lambda runs the bundles with --enable-source-maps (NODE_OPTIONS), so the figure includes reading the map.
  const child = spawnSync(process.execPath, ['--input-type=module', '--enable-source-maps', '-e', script], {
    env: { ...process.env, ...LAMBDA_LIKE_ENV },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (child.status !== 0) {
    const reason = child.stderr.split('\n').find((line) => /Error/.test(line)) ?? `exit ${child.status}`;
    throw new Error(reason.trim());
  }
  return Number(child.stdout);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function measure(name: string, directory: string, runs: number): BundleFigures {
  const { startBytes: bytes, laterBytes } = bundleFiles(directory);
  const file = path.join(directory, LAMBDA_ENTRY_FILE);
  try {
    const times = Array.from({ length: runs }, () => coldImportMs(file));
    return { name, bytes, laterBytes, initMs: median(times) };
  } catch (error) {
    return { name, bytes, laterBytes, initMs: (error as Error).message };
  }
}

function print(figures: readonly BundleFigures[], budgets: ReadonlyMap<string, number>): void {
  const rows = figures.map((f) => [
    f.name,
    `${(f.bytes / 1024).toFixed(0)} KiB`,
    budgets.has(f.name) ? `${((f.bytes / budgets.get(f.name)!) * 100).toFixed(0)} %` : '—',
    f.laterBytes > 0 ? `${(f.laterBytes / 1024).toFixed(0)} KiB` : '—',
    typeof f.initMs === 'number' ? `${f.initMs.toFixed(1)} ms` : `failed: ${f.initMs}`,
  ]);
  const header = ['bundle', 'read at start', 'of budget', 'loaded later', 'cold import (median)'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.log(line(row));
}

export async function run(runs = 5): Promise<BundleFigures[]> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'carechain-bundle-bench-'));
  try {
    const present = FUNCTIONS.filter((spec) => existsSync(path.join(REPOSITORY_ROOT, spec.entry)));
    const missing = FUNCTIONS.filter((spec) => !present.includes(spec)).map((spec) => spec.entry);
    const figures = [measure('bare-hono', await bundle('bare-hono', { source: BARE_HONO_SOURCE }, outdir), runs)];
    for (const spec of present) {
      figures.push(measure(spec.name, await bundle(spec.name, { entry: spec.entry }, outdir), runs));
    }
    console.log(`Lambda bundles (esbuild ESM, minified, ${BUNDLE_TARGET}); ${runs} cold imports each\n`);
    print(figures, new Map(FUNCTIONS.map((spec) => [spec.name, spec.bundleBudgetBytes])));
    if (missing.length > 0) console.log(`\nNot bundled (entry missing): ${missing.join(', ')}`);
    return figures;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = Number(process.argv[2] ?? 5);
  await run(Number.isInteger(runs) && runs > 0 ? runs : 5);
}
