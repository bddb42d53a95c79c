/**
 * Bundles one Lambda handler for the stack: `node --import tsx infra/bin/bundle-lambda.ts <entry> <outdir>` writes
 * `index.mjs` (and any chunks it loads later) into `outdir`.
 * The stack runs it from `CareChainFunction`'s local bundling, in a process of its own because CDK's bundling hook
 * is synchronous and esbuild's plugins run only in its asynchronous API.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleLambda } from '../constructs/lambda-bundling.ts';

const [entry, outdir] = process.argv.slice(2);
if (!entry || !outdir) {
  process.stderr.write('usage: bundle-lambda.ts <entry> <outdir>\n');
  process.exit(2);
}
const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// esbuild rejects when the bundle has errors, after printing them: the process then ends with a failure.
await bundleLambda(path.resolve(repositoryRoot, entry), path.resolve(outdir), repositoryRoot);
