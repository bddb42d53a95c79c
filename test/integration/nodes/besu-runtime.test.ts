/**
 * With a `besu` executable on PATH, `npm start`'s runtime gives new managed nodes their own Besu process (here a
 * stand-in executable, as Besu cannot be installed on this machine): the node runs, is not a shared chain, and
 * reports the enode the process itself gave.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessRuntime, startInProcessRuntime } from '../../support/in-process-runtime.ts';
import { writeBesuStandIn } from '../providers/besu-stand-in.ts';

let binDir: string;
let env: InProcessRuntime;
const originalPath = process.env.PATH;

beforeAll(async () => {
  binDir = await mkdtemp(join(tmpdir(), 'carechain-besu-bin-'));
  const besu = await writeBesuStandIn(binDir);
  process.env.PATH = `${dirname(besu)}:${originalPath}`;
  env = await startInProcessRuntime();
}, 60_000);
afterAll(async () => {
  await env?.close();
  process.env.PATH = originalPath;
  await rm(binDir, { recursive: true, force: true });
});

describe('the Besu runtime', () => {
  it('runs each new managed node as its own Besu process', async () => {
    const { token, orgId } = await env.user('Besu Clinic');
    const networkId = (await env.call('GET', '/v1/networks', { token })).json.items[0].id;
    const created = await env.call('POST', `/v1/orgs/${orgId}/nodes`, {
      token,
      body: { networkId, role: 'validator' },
    });
    expect(created.json).toMatchObject({ runtime: 'besu', sharedChain: false, runtimeNote: null });
    const running = await env.waitForNode(token, orgId, created.json.id, (n) => n.state === 'running');
    expect(running.enode).toMatch(/^enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+/);
    const second = await env.call('POST', `/v1/orgs/${orgId}/nodes`, { token, body: { networkId } });
    const secondRunning = await env.waitForNode(token, orgId, second.json.id, (n) => n.state === 'running');
    expect(secondRunning.enode).not.toBe(running.enode);
  });
});
