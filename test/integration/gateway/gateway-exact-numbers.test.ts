/**
 * The gateway echoes JSON-RPC ids and carries numbers exactly as they were written, checked on raw HTTP text
 * against a real anvil chain: ids above 2^53 (which a double cannot hold), fractional ids, big integers in params
 * and non-canonical numbers in a node's result. anvil itself echoes such ids exactly, so the gateway must too.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnvilProcess,
  CHAIN_ID,
  type GatewayServer,
  generousPlan,
  startAnvil,
  startGatewayServer,
} from './gateway-fixture.ts';

const KEY = 'cck_test_exact_5e4d3c2b1a0f9e8d7c6b';
const BIG_ID = '9007199254740993';
const CHAIN_ID_HEX = `0x${CHAIN_ID.toString(16)}`;
const ZERO_ADDRESS = `0x${'0'.repeat(40)}`;

let anvil: AnvilProcess;
let gateway: GatewayServer;

beforeAll(async () => {
  anvil = await startAnvil();
  gateway = await startGatewayServer({
    logLevel: 'debug',
    keys: [{ secret: KEY, principal: { orgId: 'org_exact', keyId: 'key_exact', scopes: ['rpc'], plan: generousPlan } }],
    nodes: { node_exact: { orgId: 'org_exact', rpcUrl: anvil.url, state: 'running', runtime: 'anvil' } },
  });
});

afterAll(async () => {
  await gateway?.stop();
  await anvil?.stop();
});

/** POSTs a body given as text and returns the answer as text, so no client-side parsing can hide a change. */
async function postText(url: string, body: string): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status).toBe(200);
  return res.text();
}

const viaGateway = (body: string) => postText(`${gateway.url}/rpc/node_exact/${KEY}`, body);
const direct = (body: string) => postText(anvil.url, body);

const call = (id: string, method: string, params = '[]') =>
  `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${params}}`;

/** The `cacheHits` of the gateway's last `rpc` log line. */
function lastCacheHits(): unknown {
  const rpcLines = gateway.logLines.map((line) => JSON.parse(line)).filter((line) => line.message === 'rpc');
  return rpcLines.at(-1)?.cacheHits;
}

describe('ids above 2^53 through the gateway', () => {
  it('answers eth_chainId with the id as sent, exactly as anvil does', async () => {
    const body = call(BIG_ID, 'eth_chainId');
    const answer = await viaGateway(body);
    expect(answer).toBe(`{"jsonrpc":"2.0","id":${BIG_ID},"result":"${CHAIN_ID_HEX}"}`);
    expect(answer).toBe(await direct(body));
  });

  it('answers a cached eth_chainId with the id as sent', async () => {
    await viaGateway(call('1', 'eth_chainId'));
    const answer = await viaGateway(call('9007199254740995', 'eth_chainId'));
    expect(lastCacheHits()).toBe(1);
    expect(answer).toBe(`{"jsonrpc":"2.0","id":9007199254740995,"result":"${CHAIN_ID_HEX}"}`);
  });

  it('answers a refused method with -32601 under the id as sent', async () => {
    const answer = await viaGateway(call(BIG_ID, 'admin_nodeInfo'));
    expect(answer).toContain(`{"jsonrpc":"2.0","id":${BIG_ID},"error":{"code":-32601,`);
  });

  it('answers an invalid request with -32600 under the id as sent', async () => {
    const answer = await viaGateway(`{"jsonrpc":"1.0","id":${BIG_ID},"method":"eth_chainId"}`);
    expect(answer).toContain(`{"jsonrpc":"2.0","id":${BIG_ID},"error":{"code":-32600,`);
  });

  it("passes the node's own error on under the id as sent, exactly as anvil answers", async () => {
    const body = call(`-${BIG_ID}`, 'eth_getBalance', '["0xzz","latest"]');
    const answer = await viaGateway(body);
    expect(answer).toContain(`{"jsonrpc":"2.0","id":-${BIG_ID},"error":`);
    expect(answer).toBe(await direct(body));
  });

  it('keeps every id of a batch that mixes forwarded, cached, refused, invalid and notification calls', async () => {
    const batch = [
      call(BIG_ID, 'eth_chainId'),
      call(`-${BIG_ID}`, 'eth_blockNumber'),
      call('9007199254740997', 'admin_peers'),
      '{"jsonrpc":"2.0","id":1.0}',
      call('0.1', 'eth_getBalance', `["${ZERO_ADDRESS}","latest"]`),
      '{"jsonrpc":"2.0","method":"eth_chainId"}',
      call('"9007199254740993"', 'eth_chainId'),
      call('123456789012345678901234567890', 'eth_gasPrice'),
    ];
    const answer = await viaGateway(`[${batch.join(',')}]`);
    const ids = [...answer.matchAll(/\{"jsonrpc":"2\.0","id":([^,]*),/g)].map((match) => match[1]);
    expect(ids).toEqual([
      BIG_ID,
      `-${BIG_ID}`,
      '9007199254740997',
      '1.0',
      '0.1',
      '"9007199254740993"',
      '123456789012345678901234567890',
    ]);
  });
});

describe('numbers inside calls and results', () => {
  it('forwards a large integer param unchanged: anvil quotes it back in its error', async () => {
    const body = call('1', 'eth_getBalance', `["${ZERO_ADDRESS}",${BIG_ID}]`);
    const answer = await viaGateway(body);
    expect(answer).toContain(`integer \`${BIG_ID}\``);
    expect(answer).toBe(await direct(body));
  });

  it("writes a node's non-canonical numbers back as anvil wrote them (eth_feeHistory's 0.0)", async () => {
    const body = call('1', 'eth_feeHistory', '["0x1","0x0",[25,75.5]]');
    const answer = await viaGateway(body);
    expect(answer).toContain('"gasUsedRatio":[0.0]');
    expect(answer).toBe(await direct(body));
  });
});

describe('any id, byte for byte (property)', () => {
  it('echoes any string, any integer of up to 40 digits, and null', async () => {
    // Uniform over the whole range, so most cases have 30 to 40 digits: far beyond what a double holds.
    const integerText = fc.bigInt({ min: 1n - 10n ** 40n, max: 10n ** 40n - 1n }).map(String);
    const idText = fc.oneof(
      integerText,
      fc.string({ unit: 'binary' }).map((text) => JSON.stringify(text)),
      fc.constant('null'),
    );
    const method = fc.constantFrom('eth_chainId', 'eth_blockNumber', 'admin_peers');
    await fc.assert(
      fc.asyncProperty(idText, method, async (id, name) => {
        const answer = await viaGateway(call(id, name));
        expect(answer.startsWith(`{"jsonrpc":"2.0","id":${id},`)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
