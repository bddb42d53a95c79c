/**
 * The dispatcher against a scripted JSON-RPC node on a real loopback socket: it counts what reaches the node, so
 * merging of identical calls, cache hits and the mapping of node failures can be observed from the outside.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChainHeads } from '../../../functions/gateway/chain-heads.ts';
import { type JsonRpcEntry, parseJsonRpcBody, readEntry } from '../../../functions/gateway/json-rpc.ts';
import { ResultCache } from '../../../functions/gateway/result-cache.ts';
import { type DispatchTarget, RpcDispatcher } from '../../../functions/gateway/rpc-dispatcher.ts';
import { RpcUpstream } from '../../../functions/gateway/upstream.ts';

type Request = { id: number; method: string; params?: unknown[] };
type Script = (request: Request) => unknown;

const HASH = `0x${'12'.repeat(32)}`;
let server: Server;
let url: string;
/** Answers per call; `raw` replaces the whole HTTP body. */
let script: Script = () => null;
let raw: string | undefined;
let delayMs = 0;
let exchanges = 0;
let calls: string[] = [];
/** The HTTP bodies the node received, as text. */
let bodies: string[] = [];
const upstream = new RpcUpstream({ timeoutMs: 2000 });

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      exchanges++;
      bodies.push(body);
      const parsed = JSON.parse(body) as Request | Request[];
      const requests = Array.isArray(parsed) ? parsed : [parsed];
      calls.push(...requests.map((r) => r.method));
      const answers = requests.map((r) => ({ jsonrpc: '2.0', id: r.id, ...(script(r) as object) }));
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(raw ?? JSON.stringify(Array.isArray(parsed) ? answers : answers[0]));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await upstream.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  script = () => ({ result: null });
  raw = undefined;
  delayMs = 0;
  exchanges = 0;
  calls = [];
  bodies = [];
});

function dispatcher(heads = new ChainHeads()) {
  return new RpcDispatcher({
    upstream,
    cache: new ResultCache(),
    heads,
    logger: { warn: () => undefined },
  });
}

function target(runtime: DispatchTarget['runtime'] = 'besu'): DispatchTarget {
  return { nodeId: 'node_x', rpcUrl: url, runtime, allowedMethods: undefined };
}

function entry(id: number | undefined, method: string, params: unknown[] = []): JsonRpcEntry {
  return readEntry({ jsonrpc: '2.0', method, params, ...(id === undefined ? {} : { id }) });
}

/** The entry of a one-call body given as text, read as the gateway reads a client's body. */
function entryOfText(text: string): JsonRpcEntry {
  const body = parseJsonRpcBody(text);
  if (body.kind !== 'single') throw new Error(`expected a single call, got ${body.kind}`);
  return body.entry;
}

const block = { number: '0x5', hash: HASH, transactions: [] };

describe('merging and caching', () => {
  it('sends identical in-flight calls to the node once, and answers the next one from the cache', async () => {
    script = () => ({ result: block });
    delayMs = 50;
    const d = dispatcher();
    const call = () => d.dispatch([entry(1, 'eth_getBlockByHash', [HASH, false])], target());
    const answers = await Promise.all([call(), call(), call(), call()]);
    expect(exchanges).toBe(1);
    expect(answers.map((a) => a[0]?.outcome).sort()).toEqual(['cache', 'cache', 'cache', 'upstream']);
    for (const a of answers) expect(JSON.parse(a[0]?.response ?? '')).toEqual({ jsonrpc: '2.0', id: 1, result: block });

    const later = await call();
    expect(exchanges).toBe(1);
    expect(later[0]?.outcome).toBe('cache');
  });

  it('merges identical calls inside one batch', async () => {
    script = () => ({ result: '0x539' });
    const answers = await dispatcher().dispatch([entry(1, 'eth_chainId'), entry(2, 'eth_chainId')], target());
    expect(calls).toEqual(['eth_chainId']);
    expect(answers.map((a) => JSON.parse(a.response ?? '').id)).toEqual([1, 2]);
  });

  it('does not keep a null answer: the receipt may exist later', async () => {
    const d = dispatcher();
    const call = () => d.dispatch([entry(1, 'eth_getTransactionReceipt', [HASH])], target());
    await call();
    script = () => ({ result: { blockHash: HASH, status: '0x1' } });
    await call();
    await call();
    expect(calls).toEqual(['eth_getTransactionReceipt', 'eth_getTransactionReceipt']);
  });

  it('keeps an existing block by number on a QBFT runtime', async () => {
    script = () => ({ result: block });
    const d = dispatcher();
    await d.dispatch([entry(1, 'eth_getBlockByNumber', ['0x5', false])], target('ec2'));
    await d.dispatch([entry(1, 'eth_getBlockByNumber', ['0x5', false])], target('ec2'));
    expect(calls).toEqual(['eth_getBlockByNumber']);
  });

  it('on anvil, learns the head in the background before keeping a block by number', async () => {
    script = (r) => ({ result: r.method === 'eth_blockNumber' ? '0x9' : block });
    const heads = new ChainHeads();
    const d = dispatcher(heads);
    const call = () => d.dispatch([entry(1, 'eth_getBlockByNumber', ['0x5', false])], target('anvil'));
    expect((await call())[0]?.outcome).toBe('upstream');
    for (let i = 0; i < 100 && heads.get(url) !== 9n; i++) await new Promise((r) => setTimeout(r, 10));
    expect(heads.get(url)).toBe(9n);
    expect((await call())[0]?.outcome).toBe('upstream');
    expect((await call())[0]?.outcome).toBe('cache');
    expect(calls).toEqual(['eth_getBlockByNumber', 'eth_blockNumber', 'eth_getBlockByNumber']);
  });
});

describe('forwarding', () => {
  it('sends the calls a batch needs as one upstream batch, under its own ids, and maps answers back', async () => {
    script = (r) =>
      r.method === 'eth_call'
        ? { error: { code: 3, message: 'execution reverted', data: '0x00' } }
        : { result: `0x${r.id}` };
    const answers = await dispatcher().dispatch(
      [
        entry(7, 'eth_blockNumber'),
        entry(7, 'eth_gasPrice'),
        entry(undefined, 'eth_blockNumber'),
        entry(9, 'eth_call', [{}]),
      ],
      target(),
    );
    expect(exchanges).toBe(1);
    expect(answers.map((a) => a.response && JSON.parse(a.response))).toEqual([
      { jsonrpc: '2.0', id: 7, result: '0x1' },
      { jsonrpc: '2.0', id: 7, result: '0x2' },
      undefined,
      { jsonrpc: '2.0', id: 9, error: { code: 3, message: 'execution reverted', data: '0x00' } },
    ]);
    expect(answers.map((a) => a.outcome)).toEqual(['upstream', 'upstream', 'upstream', 'error']);
  });

  it('answers calls the node left out with -32603 upstream-invalid', async () => {
    raw = JSON.stringify([{ jsonrpc: '2.0', id: 1, result: '0x1' }]);
    const answers = await dispatcher().dispatch([entry(1, 'eth_blockNumber'), entry(2, 'eth_gasPrice')], target());
    expect(JSON.parse(answers[1]?.response ?? '')).toMatchObject({
      id: 2,
      error: { code: -32603, data: { reason: 'upstream-invalid' } },
    });
    expect(answers[0]?.outcome).toBe('upstream');
  });

  it('answers a node that does not speak JSON with -32603 upstream-invalid', async () => {
    raw = '<html>502 Bad Gateway</html>';
    const [answer] = await dispatcher().dispatch([entry(1, 'eth_blockNumber')], target());
    expect(JSON.parse(answer?.response ?? '')).toMatchObject({
      error: { code: -32603, data: { reason: 'upstream-invalid' } },
    });
  });

  it('answers a node that cannot be reached with -32603 upstream-unreachable', async () => {
    const [answer] = await dispatcher().dispatch([entry(1, 'eth_blockNumber')], {
      ...target(),
      rpcUrl: 'http://127.0.0.1:9',
    });
    expect(JSON.parse(answer?.response ?? '')).toMatchObject({
      id: 1,
      error: { code: -32603, data: { reason: 'upstream-unreachable' } },
    });
    expect(answer?.outcome).toBe('error');
  });

  it('sends nothing upstream for refused and invalid entries', async () => {
    const answers = await dispatcher().dispatch([entry(1, 'admin_peers'), readEntry({ id: 2 })], target());
    expect(exchanges).toBe(0);
    expect(answers.map((a) => a.outcome)).toEqual(['error', 'error']);
  });
});

describe('numbers kept exactly on the way to the node and back', () => {
  const BIG_ID = '9007199254740993';

  it('forwards large and fractional params as the client wrote them', async () => {
    const params = '["0x1",123456789012345678901234567890,{"ratio":0.10,"gas":9007199254740993}]';
    await dispatcher().dispatch(
      [entryOfText(`{"jsonrpc":"2.0","id":${BIG_ID},"method":"eth_estimateGas","params":${params}}`)],
      target(),
    );
    expect(bodies).toEqual([`{"jsonrpc":"2.0","id":1,"method":"eth_estimateGas","params":${params}}`]);
  });

  it("passes a result's numbers on as the node wrote them, under the client's exact id", async () => {
    const result = '{"gasUsedRatio":[0.0,0.10],"big":123456789012345678901234567890}';
    raw = `{"jsonrpc":"2.0","id":1,"result":${result}}`;
    const [answer] = await dispatcher().dispatch(
      [entryOfText(`{"jsonrpc":"2.0","id":${BIG_ID},"method":"eth_feeHistory","params":[]}`)],
      target(),
    );
    expect(answer?.response).toBe(`{"jsonrpc":"2.0","id":${BIG_ID},"result":${result}}`);
  });

  it("passes a node's error on with its numbers as sent, under the client's exact id", async () => {
    const error = '{"code":-32000,"message":"too high","data":{"limit":18446744073709551616,"ratio":1.0}}';
    raw = `{"jsonrpc":"2.0","id":1,"error":${error}}`;
    const [answer] = await dispatcher().dispatch(
      [entryOfText(`{"jsonrpc":"2.0","id":-${BIG_ID},"method":"eth_call","params":[]}`)],
      target(),
    );
    expect(answer?.response).toBe(`{"jsonrpc":"2.0","id":-${BIG_ID},"error":${error}}`);
  });

  it('answers merged and cached calls under each caller’s own exact id', async () => {
    script = () => ({ result: block });
    delayMs = 50;
    const d = dispatcher();
    const ask = (id: string) =>
      d.dispatch(
        [entryOfText(`{"jsonrpc":"2.0","id":${id},"method":"eth_getBlockByHash","params":["${HASH}",false]}`)],
        target(),
      );
    const ids = ['9007199254740993', '9007199254740995', '9007199254740997', '0.10'];
    const answers = await Promise.all(ids.map(ask));
    expect(exchanges).toBe(1);
    expect(answers.map((a) => a[0]?.response)).toEqual(
      ids.map((id) => `{"jsonrpc":"2.0","id":${id},"result":${JSON.stringify(block)}}`),
    );
    const later = await ask('12345678901234567890123456789012345678901');
    expect(later[0]?.outcome).toBe('cache');
    expect(later[0]?.response).toContain('"id":12345678901234567890123456789012345678901,');
  });

  it('never merges calls whose params differ only in a large number', async () => {
    script = () => ({ result: { number: '0x1' } });
    delayMs = 20;
    const ask = (n: string) =>
      entryOfText(`{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":[${n},false]}`);
    await dispatcher().dispatch([ask('9007199254740993'), ask('9007199254740992'), ask('9007199254740993')], target());
    expect(calls).toEqual(['eth_getBlockByNumber', 'eth_getBlockByNumber', 'eth_getBlockByNumber']);
    expect(bodies[0]).toContain('"params":[9007199254740993,false]');
    expect(bodies[0]).toContain('"params":[9007199254740992,false]');
  });

  it('answers a node that cannot be reached under the exact id', async () => {
    const [answer] = await dispatcher().dispatch(
      [entryOfText(`{"jsonrpc":"2.0","id":${BIG_ID},"method":"eth_blockNumber"}`)],
      { ...target(), rpcUrl: 'http://127.0.0.1:9' },
    );
    expect(answer?.response).toContain(`{"jsonrpc":"2.0","id":${BIG_ID},"error":{"code":-32603,`);
  });
});
