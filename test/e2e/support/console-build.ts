/**
 * Makes sure console/dist is a build of the current console sources before the server serves it, as `npm start`
 * does; a fresh build is skipped (a build takes about a second, the check a few milliseconds).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
const CONSOLE = join(ROOT, 'console');
const BUILT = join(CONSOLE, 'dist', 'index.html');

function newestChange(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestChange(join(path, entry))), stats.mtimeMs);
}

export function consoleBuildIsStale(): boolean {
  if (!existsSync(BUILT)) return true;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'tsconfig.json']
    .map((entry) => join(CONSOLE, entry))
    .filter((path) => existsSync(path));
  return Math.max(...sources.map(newestChange)) > statSync(BUILT).mtimeMs;
}

export function ensureConsoleBuilt(): void {
  if (!consoleBuildIsStale()) return;
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'console'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0) {
    throw new Error(`The console build failed (npm run build:console):\n${result.stdout}\n${result.stderr}`);
  }
}
