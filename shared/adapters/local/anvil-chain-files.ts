/**
 * The files of one network's anvil chain under `<dataDir>/chains/<networkId>/`:
 *
 *   chain.json        what the chain is (chain id, block period, genesis allocations), written once
 *   state.json        anvil's own state (`--state`), rewritten in place every state interval and on SIGTERM
 *   state.good.json   the last state.json that parsed, because anvil truncates and rewrites state.json in place:
 *                     a kill -9 during a write leaves a torn file that anvil refuses to load
 *   anvil.pid, anvil.port   the running process, so a restarted control plane can re-adopt it
 *   alloc.applied     present once the genesis allocations are in the chain (they are applied by RPC after
 *                     the first start, so a crash in between must not leave a chain without them)
 *   anvil.log         anvil's stderr (it runs with --silent, so only errors land here)
 */
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { PlatformError } from '../../errors.ts';
import type { GenesisAlloc } from './anvil-genesis-alloc.ts';

export interface AnvilChainConfig {
  readonly networkId: string;
  readonly chainId: number;
  readonly blockPeriodSeconds: number;
  readonly alloc: GenesisAlloc;
}

const ChainConfigSchema = z.object({
  networkId: z.string(),
  chainId: z.number().int().positive(),
  blockPeriodSeconds: z.number().int().positive(),
  alloc: z.record(
    z.string(),
    z.object({
      balance: z.string().optional(),
      code: z.string().optional(),
      nonce: z.string().optional(),
      storage: z.record(z.string(), z.string()).optional(),
    }),
  ),
});

/** What preparing the saved state found, for the chain's detail text. */
export interface PreparedState {
  /** No saved state: anvil starts a new chain and the genesis allocations must be applied. */
  readonly fresh: boolean;
  readonly note?: string;
}

export class ChainStateError extends PlatformError {}

/** Writes via a temporary file and a rename, so a crash leaves either the old or the new content. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await rename(temporary, path);
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function isLoadableState(path: string): Promise<boolean> {
  const text = await readOptional(path);
  if (text === undefined) return false;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && 'accounts' in parsed;
  } catch {
    return false;
  }
}

export class AnvilChainFiles {
  readonly configPath: string;
  readonly statePath: string;
  readonly goodStatePath: string;
  readonly pidPath: string;
  readonly portPath: string;
  readonly logPath: string;
  readonly allocMarkerPath: string;
  #lastSnapshotMtimeMs = 0;

  constructor(readonly dir: string) {
    this.configPath = join(dir, 'chain.json');
    this.statePath = join(dir, 'state.json');
    this.goodStatePath = join(dir, 'state.good.json');
    this.pidPath = join(dir, 'anvil.pid');
    this.portPath = join(dir, 'anvil.port');
    this.logPath = join(dir, 'anvil.log');
    this.allocMarkerPath = join(dir, 'alloc.applied');
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  async readConfig(): Promise<AnvilChainConfig | undefined> {
    const text = await readOptional(this.configPath);
    return text === undefined ? undefined : ChainConfigSchema.parse(JSON.parse(text));
  }

  async writeConfig(config: AnvilChainConfig): Promise<void> {
    await this.ensureDir();
    await writeFileAtomic(this.configPath, `${JSON.stringify(config, null, 2)}\n`);
  }

  async readProcess(): Promise<{ pid: number | undefined; port: number | undefined }> {
    const [pid, port] = await Promise.all([readOptional(this.pidPath), readOptional(this.portPath)]);
    return { pid: positiveInteger(pid), port: positiveInteger(port) };
  }

  async writePid(pid: number): Promise<void> {
    await writeFileAtomic(this.pidPath, `${pid}\n`);
  }

  async writePort(port: number): Promise<void> {
    await writeFileAtomic(this.portPath, `${port}\n`);
  }

  async isAllocApplied(): Promise<boolean> {
    return (await readOptional(this.allocMarkerPath)) !== undefined;
  }

  async setAllocApplied(applied: boolean): Promise<void> {
    if (applied) await writeFileAtomic(this.allocMarkerPath, `${new Date().toISOString()}\n`);
    else await rm(this.allocMarkerPath, { force: true });
  }

  /** Forgets the process; the port file stays so the next start can ask for the same port (stable RPC URL). */
  async clearPid(): Promise<void> {
    await rm(this.pidPath, { force: true });
  }

  /**
   * Makes state.json loadable before a start: keeps it when it parses (and copies it to the good copy), falls
   * back to the good copy when it is torn or missing, and refuses to start a new empty chain over a torn state
   * that has no good copy, since that would silently drop the network's history.
   */
  async prepareState(): Promise<PreparedState> {
    if (await isLoadableState(this.statePath)) {
      await this.#copyAtomic(this.statePath, this.goodStatePath);
      return { fresh: false };
    }
    const torn = (await readOptional(this.statePath)) !== undefined;
    const tornPath = join(this.dir, `state.torn-${Date.now()}.json`);
    if (torn) await rename(this.statePath, tornPath);
    if (await isLoadableState(this.goodStatePath)) {
      await this.#copyAtomic(this.goodStatePath, this.statePath);
      const saved = (await stat(this.goodStatePath)).mtime.toISOString();
      return {
        fresh: false,
        note: `${torn ? 'the saved state was torn' : 'the saved state was missing'}; restored the copy of ${saved}, later blocks are lost`,
      };
    }
    if (torn) {
      throw new ChainStateError(
        `the saved chain state is torn and there is no good copy; it was moved to ${tornPath} and the chain was not started`,
      );
    }
    return { fresh: true };
  }

  /**
   * Refreshes the good copy while the chain runs, so a torn state.json loses little. The good copy is only ever
   * replaced by a state that parses; a read that catches anvil mid-write is skipped until the next round.
   */
  async snapshotState(): Promise<boolean> {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(this.statePath)).mtimeMs;
    } catch {
      return false;
    }
    if (mtimeMs === this.#lastSnapshotMtimeMs) return false;
    // Copy first, then check the copy: anvil may start rewriting state.json between a check and a copy.
    const temporary = `${this.goodStatePath}.${process.pid}.tmp`;
    await copyFile(this.statePath, temporary);
    if (!(await isLoadableState(temporary))) {
      await rm(temporary, { force: true });
      return false;
    }
    await rename(temporary, this.goodStatePath);
    this.#lastSnapshotMtimeMs = mtimeMs;
    return true;
  }

  async #copyAtomic(from: string, to: string): Promise<void> {
    const temporary = `${to}.${process.pid}.tmp`;
    await copyFile(from, temporary);
    await rename(temporary, to);
  }
}

function positiveInteger(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
