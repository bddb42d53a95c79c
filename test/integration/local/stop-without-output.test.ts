/**
 * Stopping the real local control plane (`npm start`'s entry point) after whoever read its output went away (a
 * closed terminal, a log shipper restarting): its stdout and stderr are pipes whose read ends are closed, so every
 * write it makes fails. SIGTERM still stops it cleanly, and every anvil process it started is gone.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../../shared/adapters/local/process-control.ts';
import {
  anvilPidsUnder,
  type LocalServer,
  memberWithRunningNode,
  startLocalServer,
} from '../../support/local-server.ts';

/** Bound on a clean stop: chains get 15 s to write their state on SIGTERM (LocalNodeProvider's default). */
const STOP_BOUND_MS = 30_000;

let dataDir: string;
let server: LocalServer | undefined;

afterAll(async () => {
  // Whatever the outcome, nothing this test started outlives it.
  if (server?.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
  for (const pid of anvilPidsUnder(dataDir)) process.kill(pid, 'SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** The chain pids the control plane recorded under its data dir (`chains/<networkId>/anvil.pid`). */
async function recordedChainPids(dir: string): Promise<number[]> {
  const networks = await readdir(join(dir, 'chains'));
  const recorded = await Promise.all(
    networks.map((network) => readFile(join(dir, 'chains', network, 'anvil.pid'), 'utf8').catch(() => '')),
  );
  return recorded.map(Number).filter((pid) => pid > 0);
}

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('stopping with nobody reading the output', () => {
  it('stops on SIGTERM with its stdout and stderr readers gone, and leaves no anvil process', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'carechain-no-output-'));
    server = await startLocalServer({
      dataDir,
      // Every request is logged, so log lines are written after the readers are gone, not only the stop notice.
      env: { CARECHAIN_OPERATOR_PASSWORD: 'operator-password-1234', CARECHAIN_LOG_LEVEL: 'info' },
    });
    await memberWithRunningNode(server.url, 'Unread');
    const chains = await recordedChainPids(dataDir);
    expect(chains.length).toBeGreaterThan(0);
    expect(anvilPidsUnder(dataDir).sort()).toEqual([...chains].sort());

    const child = server.process;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdout?.destroy();
    child.stderr?.destroy();
    // A request after the readers left: its log line is a write to a pipe nobody reads.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);

    child.kill('SIGTERM');
    const exitCode = await within(STOP_BOUND_MS, 'the control plane exiting', exited);
    for (const pid of chains) expect(isProcessAlive(pid), `anvil ${pid} still runs`).toBe(false);
    expect(anvilPidsUnder(dataDir)).toEqual([]);
    expect(exitCode).toBe(0);
  }, 90_000);
});
