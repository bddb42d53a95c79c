/**
 * What is billed equals what was served. 100,000 JSON-RPC requests at 64 concurrent connections against the real
 * local server, which is stopped (SIGTERM) and started again in the middle: the metered `rpc_requests` equals the
 * successful responses the client saw, exactly. Then a kill -9 in the middle of more traffic: the meter may fall
 * short by what one flush interval held, and never exceeds what was served.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, type LocalServer, startLocalServer } from '../../support/local-server.ts';

const REQUESTS = Number(process.env.CARECHAIN_EXACTNESS_REQUESTS ?? 100_000);
const CONCURRENCY = 64;
const FLUSH_INTERVAL_MS = 5_000;

let dataDir: string;
let server: LocalServer | undefined;
let port: number;
let base: string;
let token: string;
let orgId: string;
let nodeId: string;
let apiKey: string;
const testStart = new Date();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const env = () => ({ PORT: String(port), CARECHAIN_OPERATOR_PASSWORD: 'operator-password-1234' });

async function restart(signal: NodeJS.Signals) {
  await server?.stop(signal);
  server = await startLocalServer({ dataDir, env: env() });
}

/** Sends `total` requests with `CONCURRENCY` workers; calls `midway` once when half have been sent. */
async function load(total: number, midway: () => Promise<void>) {
  const pool = new Pool(base, { connections: CONCURRENCY, keepAliveTimeout: 10_000 });
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] });
  const successes: number[] = [];
  let sent = 0;
  let midwayDone: Promise<void> | undefined;
  const worker = async () => {
    while (sent < total) {
      sent++;
      if (sent === Math.floor(total / 2)) midwayDone = midway();
      try {
        const res = await pool.request({
          path: `/rpc/${nodeId}`,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
          body,
        });
        const text = await res.body.text();
        if (res.statusCode === 200 && text.includes('"result"')) successes.push(Date.now());
      } catch {
        // Refused or cut while the server restarts: not a success, and not metered.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await midwayDone;
  await pool.close();
  return successes;
}

async function meteredRequests(): Promise<number> {
  // A clean stop flushes everything counted; the usage API of the next start reads it back.
  await restart('SIGTERM');
  const res = await http(base, 'GET', `/v1/orgs/${orgId}/usage?granularity=hour&from=${testStart.toISOString()}`, {
    token,
  });
  return res.json.meters.rpc_requests.total as number;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'carechain-exactness-'));
  port = await freePort();
  server = await startLocalServer({ dataDir, env: env() });
  base = server.url.replace('localhost', '127.0.0.1');
  const signup = await http(base, 'POST', '/v1/auth/signup', {
    body: { email: 'load@test.example', password: 'a long test password', name: 'Load' },
  });
  token = signup.json.token;
  orgId = (await http(base, 'POST', '/v1/orgs', { token, body: { name: 'Load Hospital', type: 'hospital' } })).json.id;
  await http(base, 'POST', `/v1/orgs/${orgId}/billing/checkout`, { token, body: { planId: 'enterprise' } });
  const networkId = (await http(base, 'GET', '/v1/networks', { token })).json.items[0].id;
  nodeId = (await http(base, 'POST', `/v1/orgs/${orgId}/nodes`, { token, body: { networkId } })).json.id;
  const deadline = Date.now() + 30_000;
  while ((await http(base, 'GET', `/v1/orgs/${orgId}/nodes/${nodeId}`, { token })).json.state !== 'running') {
    if (Date.now() > deadline) throw new Error('node never ran');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  apiKey = (await http(base, 'POST', `/v1/orgs/${orgId}/api-keys`, { token, body: { name: 'load', scopes: ['rpc'] } }))
    .json.secret;
}, 60_000);

afterAll(async () => {
  await server?.stop('SIGTERM');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('metering exactness', () => {
  let servedSoFar = 0;

  it(`meters exactly the successful responses of ${REQUESTS} requests across a SIGTERM restart`, async () => {
    const successes = await load(REQUESTS, () => restart('SIGTERM'));
    servedSoFar = successes.length;
    expect(servedSoFar).toBeGreaterThan(REQUESTS / 10);
    expect(await meteredRequests()).toBe(servedSoFar);
  }, 600_000);

  // A kill -9 loses what was counted since the last flush that reached the table: the current interval, plus the
  // flush before it when its write was still under way (on a loaded machine a write can take a while).
  it('after a kill -9 falls short by at most the last flush intervals, and never exceeds what was served', async () => {
    let killedAt = 0;
    const successes = await load(Math.max(2_000, Math.floor(REQUESTS / 5)), async () => {
      await server?.stop('SIGKILL');
      // Dead now: every answer the old process gave has arrived by this instant, and none comes after it.
      killedAt = Date.now();
      server = await startLocalServer({ dataDir, env: env() });
    });
    const metered = (await meteredRequests()) - servedSoFar;
    const served = successes.length;
    const unflushedWindow = 2 * FLUSH_INTERVAL_MS + 1_000;
    // Half a second of slack for answers read just after the exit event; the next server takes longer to start.
    const inLastIntervals = successes.filter((t) => t <= killedAt + 500 && t > killedAt - unflushedWindow).length;
    expect(metered).toBeLessThanOrEqual(served);
    expect(served - metered).toBeLessThanOrEqual(inLastIntervals);
  }, 600_000);
});
