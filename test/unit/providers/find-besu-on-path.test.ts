/**
 * findBesuOnPath: how local mode decides whether nodes run as their own Besu processes. Real files in temporary
 * directories; no shell is involved.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findBesuOnPath } from '../../../shared/adapters/local/besu-node-launcher.ts';

let root: string;

async function dirWith(name: string, file?: { mode: number } | 'directory'): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  if (file === 'directory') await mkdir(join(dir, 'besu'));
  else if (file) {
    await writeFile(join(dir, 'besu'), '#!/bin/sh\n');
    await chmod(join(dir, 'besu'), file.mode);
  }
  return dir;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'carechain-path-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('findBesuOnPath', () => {
  it('returns the absolute path of the first executable besu on PATH', async () => {
    const empty = await dirWith('empty');
    const first = await dirWith('first', { mode: 0o755 });
    const second = await dirWith('second', { mode: 0o755 });
    expect(findBesuOnPath({ PATH: [empty, first, second].join(delimiter) })).toBe(join(first, 'besu'));
  });

  it('skips a besu that is not executable, a directory named besu and relative entries', async () => {
    const notExecutable = await dirWith('plain', { mode: 0o644 });
    const directory = await dirWith('dir', 'directory');
    const executable = await dirWith('bin', { mode: 0o755 });
    const PATH = [notExecutable, directory, 'bin', '', executable].join(delimiter);
    expect(findBesuOnPath({ PATH })).toBe(join(executable, 'besu'));
  });

  it('returns undefined when no besu is on PATH or PATH is unset', async () => {
    const empty = await dirWith('empty');
    expect(findBesuOnPath({ PATH: empty })).toBeUndefined();
    expect(findBesuOnPath({})).toBeUndefined();
  });
});
