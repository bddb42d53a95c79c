/**
 * The chain's files on disk: which saved state a start loads, and when a torn state (anvil rewrites state.json in
 * place, so a kill -9 mid-write tears it) is recovered, or refused rather than replaced by an empty chain.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnvilChainFiles, ChainStateError } from '../../../shared/adapters/local/anvil-chain-files.ts';
import { anvilArguments } from '../../../shared/adapters/local/anvil-launcher.ts';

const STATE = JSON.stringify({ block: {}, accounts: { '0x01': {} }, best_block_number: 7, blocks: [] });
const OLDER_STATE = JSON.stringify({ block: {}, accounts: {}, best_block_number: 3, blocks: [] });
let files: AnvilChainFiles;

beforeEach(async () => {
  files = new AnvilChainFiles(await mkdtemp(join(tmpdir(), 'carechain-chain-files-')));
});

afterEach(async () => {
  await rm(files.dir, { recursive: true, force: true });
});

describe('AnvilChainFiles.prepareState', () => {
  it('starts a new chain when nothing was saved', async () => {
    expect(await files.prepareState()).toEqual({ fresh: true });
  });

  it('loads a saved state that parses and keeps a copy of it', async () => {
    await writeFile(files.statePath, STATE);

    expect(await files.prepareState()).toEqual({ fresh: false });
    expect(await readFile(files.goodStatePath, 'utf8')).toBe(STATE);
  });

  it('replaces a torn state with the last good copy and says what was lost', async () => {
    await writeFile(files.goodStatePath, OLDER_STATE);
    await writeFile(files.statePath, STATE.slice(0, 20));

    const prepared = await files.prepareState();

    expect(prepared.fresh).toBe(false);
    expect(prepared.note).toMatch(/torn.*later blocks are lost/);
    expect(await readFile(files.statePath, 'utf8')).toBe(OLDER_STATE);
    expect((await readdir(files.dir)).some((name) => name.startsWith('state.torn-'))).toBe(true);
  });

  it('refuses to start over a torn state without a good copy, keeping the torn file', async () => {
    await writeFile(files.statePath, STATE.slice(0, 20));

    await expect(files.prepareState()).rejects.toThrow(ChainStateError);
    const torn = (await readdir(files.dir)).find((name) => name.startsWith('state.torn-'));
    expect(await readFile(join(files.dir, torn!), 'utf8')).toBe(STATE.slice(0, 20));
  });
});

describe('AnvilChainFiles.snapshotState', () => {
  it('copies a state that parses and never replaces the good copy with a torn one', async () => {
    await writeFile(files.statePath, STATE);
    expect(await files.snapshotState()).toBe(true);

    await writeFile(files.statePath, OLDER_STATE.slice(0, 10));
    expect(await files.snapshotState()).toBe(false);
    expect(await readFile(files.goodStatePath, 'utf8')).toBe(STATE);
  });
});

describe('anvilArguments', () => {
  it('runs a free-gas chain on loopback with its chain id, block period and persisted state', () => {
    const args = anvilArguments(
      { networkId: 'net_a', chainId: 1_337_777, blockPeriodSeconds: 2, alloc: {} },
      files,
      8545,
      { stateIntervalSeconds: 5, devAccounts: 0 },
    ).join(' ');

    expect(args).toContain('--host 127.0.0.1 --port 8545');
    expect(args).toContain('--chain-id 1337777');
    expect(args).toContain('--block-time 2');
    expect(args).toContain('--base-fee 0 --gas-price 0 --disable-min-priority-fee');
    expect(args).toContain(`--state ${files.statePath} --state-interval 5`);
    expect(args).toContain('--accounts 0');
  });
});
