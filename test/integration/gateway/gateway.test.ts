/**
 * The gateway end to end on real parts: a real anvil chain upstream, real dynalite for usage records, the gateway
 * served over HTTP, and real clients (ethers, cast, undici) in front of it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hexlify, JsonRpcProvider, randomBytes, Wallet } from 'ethers';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourOf, type Meter } from '../../../shared/domain/metering.ts';
import { rollupHour } from '../../../shared/metering/usage-rollup.ts';
import { usageSeries } from '../../../shared/metering/usage-series.ts';
import {
  type AnvilProcess,
  CHAIN_ID,
  type GatewayServer,
  generousPlan,
  startAnvil,
  startGatewayServer,
  startSilentNode,
} from './gateway-fixture.ts';

const CAST = fileURLToPath(new URL('../../../node_modules/@foundry-rs/cast-linux-amd64/bin/cast', import.meta.url));
const run = promisify(execFile);

const KEY_A = 'cck_test_a_4f2d8e1c9b7a6d5e4f3c2b1a0';
const KEY_B = 'cck_test_b_0a1b2c3d4e5f6a7b8c9d0e1f2';
const KEY_LOAD = 'cck_test_load_9e8d7c6b5a4f3e2d1c0b';
/** Mid-hour and moving with real time, so no test run straddles an hour boundary. */
const BASE = Date.parse('2026-11-24T20:10:00Z');
const started = Date.now();
const clock = () => new Date(BASE + (Date.now() - started));

let anvil: AnvilProcess;
let silent: { url: string; stop(): Promise<void> };
let gateway: GatewayServer;

beforeAll(async () => {
  [anvil, silent] = await Promise.all([startAnvil(), startSilentNode()]);
  const principal = (orgId: string, keyId: string) => ({ orgId, keyId, scopes: ['rpc'], plan: generousPlan });
  gateway = await startGatewayServer({
    clock,
    logLevel: 'debug',
    upstreamTimeoutMs: 1500,
    keys: [
      { secret: KEY_A, principal: principal('org_a', 'key_a') },
      { secret: KEY_B, principal: principal('org_b', 'key_b') },
      { secret: KEY_LOAD, principal: principal('org_load', 'key_load') },
    ],
    nodes: {
      node_a: { orgId: 'org_a', rpcUrl: anvil.url, state: 'running', runtime: 'anvil', sharedChain: true },
      node_b: { orgId: 'org_b', rpcUrl: anvil.url, state: 'running', runtime: 'anvil', sharedChain: true },
      node_load: { orgId: 'org_load', rpcUrl: anvil.url, state: 'running', runtime: 'anvil', sharedChain: true },
      node_hanging: { orgId: 'org_a', rpcUrl: silent.url, state: 'running', runtime: 'besu' },
    },
  });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([anvil?.stop(), silent?.stop()]);
});

async function rpc(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function direct(body: unknown): Promise<unknown> {
  const res = await fetch(anvil.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.json();
}

async function waitForBlock(number: bigint): Promise<void> {
  for (;;) {
    const head = (await direct({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' })) as { result: string };
    if (BigInt(head.result) >= number) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Flushes, then sums the stored usage of an organisation per meter. */
async function storedUsage(orgId: string): Promise<Record<Meter, number>> {
  await gateway.meter.flush();
  const hour = hourOf(clock());
  const totals = {} as Record<Meter, number>;
  for (const meter of ['rpc_requests', 'rpc_compute_units'] as const) {
    const records = await gateway.repository.recordsOfHour(orgId, meter, hour);
    totals[meter] = records.reduce((sum, record) => sum + record.amount, 0);
  }
  return totals;
}

describe('JSON-RPC clients through the gateway', () => {
  it('works with an ethers JsonRpcProvider on the key-in-URL form, sending a transaction too', async () => {
    const provider = new JsonRpcProvider(`${gateway.url}/rpc/node_a/${KEY_A}`, undefined, {
      cacheTimeout: -1,
      pollingInterval: 100,
    });
    try {
      expect((await provider.getNetwork()).chainId).toBe(BigInt(CHAIN_ID));
      const genesis = await provider.getBlock(0);
      expect(genesis?.number).toBe(0);
      const wallet = new Wallet(hexlify(randomBytes(32)), provider);
      const sent = await wallet.sendTransaction({ to: wallet.address, value: 0n, gasPrice: 0n, type: 0 });
      const receipt = await sent.wait();
      expect(receipt?.status).toBe(1);
      const again = await provider.getTransactionReceipt(sent.hash);
      expect(again?.blockHash).toBe(receipt?.blockHash);
    } finally {
      provider.destroy();
    }
  });

  it('works with cast block-number and cast chain-id', async () => {
    const url = `${gateway.url}/rpc/node_a/${KEY_A}`;
    const chainId = await run(CAST, ['chain-id', '--rpc-url', url]);
    expect(chainId.stdout.trim()).toBe(String(CHAIN_ID));
    const blockNumber = await run(CAST, ['block-number', '--rpc-url', url]);
    const head = BigInt(
      ((await direct({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' })) as { result: string }).result,
    );
    const seen = BigInt(blockNumber.stdout.trim());
    expect(seen <= head && seen >= head - 2n).toBe(true);
  });

  it('takes the key from an Authorization header as well', async () => {
    const res = await rpc(
      '/rpc/node_a',
      { jsonrpc: '2.0', id: 1, method: 'eth_chainId' },
      { authorization: `Bearer ${KEY_A}` },
    );
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 1, result: `0x${CHAIN_ID.toString(16)}` });
    expect(res.headers.get('x-carechain-shared-chain')).toBe('true');
  });
});

describe('gateway policy on a real chain', () => {
  it('refuses methods that would rewrite the shared chain, and the chain is untouched', async () => {
    const address = Wallet.createRandom().address;
    const res = await rpc(
      '/rpc/node_a',
      { jsonrpc: '2.0', id: 9, method: 'anvil_setBalance', params: [address, '0xde0b6b3a7640000'] },
      { 'x-api-key': KEY_A },
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32601);
    const balance = await direct({ jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: [address, 'latest'] });
    expect((balance as { result: string }).result).toBe('0x0');
  });

  it('refuses admin methods with -32601', async () => {
    const res = await rpc('/rpc/node_a', { jsonrpc: '2.0', id: 'p', method: 'admin_peers' }, { 'x-api-key': KEY_A });
    expect(await res.json()).toMatchObject({ id: 'p', error: { code: -32601, data: { reason: 'blocked' } } });
  });

  it("answers 404 for another organisation's node on the same chain", async () => {
    const res = await rpc('/rpc/node_b', { jsonrpc: '2.0', id: 1, method: 'eth_chainId' }, { 'x-api-key': KEY_A });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('refuses a body over 1 MiB with 413 problem+json', async () => {
    const res = await rpc(
      '/rpc/node_a',
      { jsonrpc: '2.0', id: 1, method: 'eth_call', params: ['x'.repeat(1024 * 1024)] },
      { 'x-api-key': KEY_A },
    );
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it("passes the node's errors through unchanged", async () => {
    const call = { jsonrpc: '2.0', id: 4, method: 'eth_getBalance', params: ['0xzz', 'latest'] };
    const expected = (await direct(call)) as { error: unknown };
    const res = await rpc('/rpc/node_a', call, { 'x-api-key': KEY_A });
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 4, error: expected.error });
  });

  it('answers a node that does not answer in time with -32603 upstream-timeout', async () => {
    const res = await rpc(
      '/rpc/node_hanging',
      [
        { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' },
        { jsonrpc: '2.0', id: 2, method: 'eth_chainId' },
      ],
      { 'x-api-key': KEY_A },
    );
    const body = (await res.json()) as { id: number; error: { code: number; data: { reason: string } } }[];
    expect(res.status).toBe(200);
    expect(body.map((r) => [r.id, r.error.code, r.error.data.reason])).toEqual([
      [1, -32603, 'upstream-timeout'],
      [2, -32603, 'upstream-timeout'],
    ]);
  });
});

describe('cache of final results', () => {
  it('answers an old block by number from the cache at the cache price, never latest', async () => {
    const call = (id: number, block: string) => ({
      jsonrpc: '2.0',
      id,
      method: 'eth_getBlockByNumber',
      params: [block, false],
    });
    await waitForBlock(2n);
    await rpc('/rpc/node_b', { jsonrpc: '2.0', id: 0, method: 'eth_blockNumber' }, { 'x-api-key': KEY_B });
    const before = await storedUsage('org_b');
    const first = await (await rpc('/rpc/node_b', call(1, '0x1'), { 'x-api-key': KEY_B })).json();
    const second = await (await rpc('/rpc/node_b', call(1, '0x1'), { 'x-api-key': KEY_B })).json();
    expect(second).toEqual(first);
    const afterOld = await storedUsage('org_b');
    expect(afterOld.rpc_compute_units - before.rpc_compute_units).toBe(15 + 4);

    await rpc('/rpc/node_b', call(2, 'latest'), { 'x-api-key': KEY_B });
    await rpc('/rpc/node_b', call(3, 'latest'), { 'x-api-key': KEY_B });
    const afterLatest = await storedUsage('org_b');
    expect(afterLatest.rpc_compute_units - afterOld.rpc_compute_units).toBe(15 + 15);
  });
});

describe('metering through the gateway', () => {
  it('meters a batch call by call and charges nothing for its errors', async () => {
    const before = await storedUsage('org_a');
    const res = await rpc(
      '/rpc/node_a',
      [
        { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' },
        { jsonrpc: '2.0', id: 2, method: 'eth_getBalance', params: [Wallet.createRandom().address, 'latest'] },
        { jsonrpc: '2.0', id: 3, method: 'eth_chainId' },
        { jsonrpc: '2.0', id: 4, method: 'debug_traceTransaction', params: [] },
        { jsonrpc: '2.0', id: 5, method: 'eth_getBalance', params: ['0xzz', 'latest'] },
        { jsonrpc: '2.0', method: 'eth_blockNumber' },
        { id: 7 },
      ],
      { 'x-api-key': KEY_A },
    );
    const body = (await res.json()) as { id: number; result?: unknown; error?: unknown }[];
    expect(body.map((r) => [r.id, 'result' in r])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, false],
      [5, false],
      [7, false],
    ]);
    const after = await storedUsage('org_a');
    // eth_blockNumber 5, eth_getBalance 10, eth_chainId 1 (cached or not), the notification's eth_blockNumber 5.
    expect(after.rpc_requests - before.rpc_requests).toBe(4);
    expect(after.rpc_compute_units - before.rpc_compute_units).toBe(5 + 10 + 1 + 5);
  });

  it('writes at most one record per (organisation, meter, flush) for 10,000 requests, and bills exactly what succeeded', async () => {
    const pool = new Pool(gateway.url, { connections: 32 });
    const methods = ['eth_blockNumber', 'eth_chainId', 'eth_blockNumber', 'admin_peers'];
    let succeeded = 0;
    let units = 0;
    let flushes = 0;
    let next = 0;
    const writesBefore = gateway.writesTo('ORG#org_load');
    const flusher = setInterval(() => {
      flushes++;
      void gateway.meter.flush();
    }, 100);
    try {
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < 10_000) {
            const i = next++;
            const method = methods[i % methods.length] as string;
            const res = await pool.request({
              path: `/rpc/node_load/${KEY_LOAD}`,
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ jsonrpc: '2.0', id: i, method }),
            });
            const body = (await res.body.json()) as { result?: unknown };
            if (res.statusCode === 200 && 'result' in body) {
              succeeded++;
              units += method === 'eth_chainId' ? 1 : 5;
            }
          }
        }),
      );
    } finally {
      clearInterval(flusher);
      await pool.close();
    }
    await gateway.meter.flush();
    flushes++;

    expect(succeeded).toBe(7500);
    const hour = hourOf(clock());
    const requests = await gateway.repository.recordsOfHour('org_load', 'rpc_requests', hour);
    const computeUnits = await gateway.repository.recordsOfHour('org_load', 'rpc_compute_units', hour);
    expect(requests.reduce((sum, r) => sum + r.amount, 0)).toBe(succeeded);
    expect(computeUnits.reduce((sum, r) => sum + r.amount, 0)).toBe(units);

    const writes = gateway.writesTo('ORG#org_load') - writesBefore;
    expect(writes).toBe(requests.length + computeUnits.length);
    expect(writes).toBeLessThanOrEqual(2 * flushes);
    for (const records of [requests, computeUnits]) {
      const sequences = records.map((r) => `${r.flusherId}#${r.sequence}`);
      expect(new Set(sequences).size).toBe(sequences.length);
    }

    const rollups = await rollupHour(gateway.repository, hour, clock);
    expect(rollups.filter((r) => r.orgId === 'org_load').map((r) => [r.meter, r.total])).toEqual(
      expect.arrayContaining([
        ['rpc_requests', succeeded],
        ['rpc_compute_units', units],
      ]),
    );
    const from = new Date(Date.parse(hour));
    const to = new Date(from.getTime() + 3_600_000);
    const recent = await usageSeries(gateway.repository, 'org_load', from, to, 'hour', clock);
    const later = await usageSeries(gateway.repository, 'org_load', from, to, 'day', () => new Date(BASE + 86_400_000));
    expect(recent.meters.rpc_requests.total).toBe(succeeded);
    expect(later.meters.rpc_requests.points).toEqual([{ start: '2026-11-24T00:00Z', value: succeeded }]);
    expect(later.meters.rpc_compute_units.total).toBe(units);
  });
});

describe('gateway logs', () => {
  it('never contain an API key, and show the key-in-URL path redacted', () => {
    const all = gateway.logLines.join('\n');
    for (const key of [KEY_A, KEY_B, KEY_LOAD]) expect(all).not.toContain(key);
    expect(all).toContain('/rpc/node_a/[redacted]');
    expect(all).toContain('"message":"rpc"');
  });

  it('name the API key of every request line by its id', () => {
    const lines = gateway.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requestLines = lines.filter((line) => line.message === 'rpc');
    expect(requestLines.length).toBeGreaterThan(0);
    for (const line of requestLines) expect(['key_a', 'key_b', 'key_load']).toContain(line.keyId);
    expect(requestLines.some((line) => line.keyId === 'key_a' && line.path === '/rpc/node_a/[redacted]')).toBe(true);
  });
});
