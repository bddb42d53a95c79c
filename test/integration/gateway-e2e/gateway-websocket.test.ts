/**
 * The gateway's WebSocket JSON-RPC as `npm start` serves it, on the API's port, tried as a member would: ethers'
 * WebSocketProvider receives every new block (`newHeads`) and every log of a contract (`logs` with an address
 * filter), checked against the chain over HTTP; `cast` talks to the ws:// URL; a wrong key is refused at the
 * handshake with 401; the key also works as a header or a subprotocol; the console's live-head ticket reaches its
 * one node and only head methods; the plan's subscription limit holds.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { JsonRpcProvider, type Log, Wallet, WebSocketProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PLAN_WHEN_BILLING_IS_OFF } from '../../../functions/services/billing/billing-wiring.ts';
import { getPlan } from '../../../shared/domain/plans.ts';
import { type InProcessRuntime, startInProcessRuntime } from '../../support/in-process-runtime.ts';

const run = promisify(execFile);
const castBinary = join(
  dirname(createRequire(import.meta.url).resolve('@foundry-rs/cast-linux-amd64/package.json')),
  'bin',
  'cast',
);

/** A contract that emits LOG1(topic = EMITTED) with the first 32 bytes of its call data, on every call. */
const EMITTED = `0x${'c0'.repeat(32)}`;
const RUNTIME = `60206000600037 7f${EMITTED.slice(2)} 602060 00a1 00`.replaceAll(' ', '');
const INIT = `0x602e600c600039602e6000f3${RUNTIME}`;

let env: InProcessRuntime;
let member: { token: string; orgId: string };
let nodeId: string;
let apiKey: string;
let wsBase: string;

function socket(path: string, protocols?: string[], headers?: Record<string, string>) {
  return new WebSocket(`${wsBase}${path}`, protocols, { headers });
}

/** The HTTP status a refused handshake was answered with. */
function refusedWith(ws: WebSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('the handshake was accepted')));
    ws.on('error', () => {});
  });
}

/** Opens, sends one JSON-RPC call, and resolves with the answer. */
async function callOver(ws: WebSocket, method: string, params: unknown[] = []) {
  if (ws.readyState !== WebSocket.OPEN)
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const id = Math.floor(Math.random() * 1e9);
  const answer = new Promise<{ result?: unknown; error?: { code: number; message: string } }>((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString());
      if (message.id === id) {
        ws.off('message', onMessage);
        resolve(message);
      }
    };
    ws.on('message', onMessage);
  });
  ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  return answer;
}

beforeAll(async () => {
  env = await startInProcessRuntime();
  wsBase = env.runtime.url.replace(/^http/, 'ws');
  member = await env.user('Stream Hospital');
  const networks = await env.call('GET', '/v1/networks', { token: member.token });
  const node = await env.call('POST', `/v1/orgs/${member.orgId}/nodes`, {
    token: member.token,
    body: { networkId: networks.json.items[0].id },
  });
  nodeId = node.json.id;
  await env.waitForNode(member.token, member.orgId, nodeId, (n) => n.state === 'running');
  const key = await env.call('POST', `/v1/orgs/${member.orgId}/api-keys`, {
    token: member.token,
    body: { name: 'streams', scopes: ['rpc'] },
  });
  apiKey = key.json.secret;
}, 60_000);
afterAll(() => env?.close());

describe('WebSocket JSON-RPC at the gateway', () => {
  it('refuses a wrong key, an unknown node and another organisation’s node at the handshake', async () => {
    expect(await refusedWith(socket(`/rpc/${nodeId}/cck_not_a_real_key`))).toBe(401);
    expect(await refusedWith(socket(`/rpc/${nodeId}`))).toBe(401);
    expect(await refusedWith(socket(`/rpc/node_doesnotexist0000/${apiKey}`))).toBe(404);
    expect(await refusedWith(socket(`/rpc/${nodeId}/%E0%A4%A`))).toBe(400);
    expect(await refusedWith(socket('/rpc/%E0%A4%A'))).toBe(400);
    const other = await env.user('Other Clinic');
    const otherKey = await env.call('POST', `/v1/orgs/${other.orgId}/api-keys`, {
      token: other.token,
      body: { name: 'x', scopes: ['rpc'] },
    });
    expect(await refusedWith(socket(`/rpc/${nodeId}`, undefined, { 'x-api-key': otherKey.json.secret }))).toBe(404);
  });

  it('takes the key in the path, in x-api-key or as a subprotocol', async () => {
    for (const ws of [
      socket(`/rpc/${nodeId}/${apiKey}`),
      socket(`/rpc/${nodeId}`, undefined, { 'x-api-key': apiKey }),
      socket(`/rpc/${nodeId}`, ['carechain-jsonrpc', apiKey]),
    ]) {
      const answer = await callOver(ws, 'eth_chainId');
      expect(answer.result).toMatch(/^0x[0-9a-f]+$/);
      // The same method policy as HTTP.
      expect((await callOver(ws, 'anvil_mine')).error?.code).toBe(-32601);
      ws.close();
    }
    const subprotocol = socket(`/rpc/${nodeId}`, ['carechain-jsonrpc', apiKey]);
    await new Promise((resolve) => subprotocol.once('open', resolve));
    expect(subprotocol.protocol).toBe('carechain-jsonrpc');
    subprotocol.close();
  });

  it('serves cast over ws://', async () => {
    const url = `${wsBase}/rpc/${nodeId}/${apiKey}`;
    const block = await run(castBinary, ['block-number', '--rpc-url', url]);
    expect(Number(block.stdout.trim())).toBeGreaterThanOrEqual(0);
  });

  it('ethers’ WebSocketProvider receives every new block, and every log of a contract', async () => {
    const provider = new WebSocketProvider(`${wsBase}/rpc/${nodeId}/${apiKey}`, undefined, { staticNetwork: true });
    const http = new JsonRpcProvider(`${env.runtime.url}/rpc/${nodeId}/${apiKey}`, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
    });
    try {
      const blocks: number[] = [];
      await provider.on('block', (number: number) => blocks.push(number));

      // Deploy the emitter through the WebSocket, then call it five times with distinct data.
      const wallet = Wallet.createRandom().connect(provider);
      const { chainId } = await provider.getNetwork();
      let nonce = 0;
      const send = async (tx: { to?: string; data: string }) => {
        const signed = await wallet.signTransaction({ ...tx, nonce: nonce++, gasLimit: 200_000, gasPrice: 0, chainId });
        return provider.broadcastTransaction(signed);
      };
      const deployed = await (await send({ data: INIT })).wait();
      const address = deployed?.contractAddress as string;
      expect(address).toMatch(/^0x/);
      const logs: Log[] = [];
      await provider.on({ address, topics: [EMITTED] }, (log: Log) => logs.push(log));
      // ethers subscribes asynchronously: wait until the subscription is live before sending.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const payloads = [1, 2, 3, 4, 5].map((n) => `0x${n.toString(16).padStart(64, '0')}`);
      for (const data of payloads) await (await send({ to: address, data })).wait();

      const deadline = Date.now() + 20_000;
      while ((logs.length < payloads.length || blocks.length < 3) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(logs.map((log) => log.data)).toEqual(payloads);
      // The logs are the chain's: same block hashes and indexes as eth_getLogs over HTTP.
      const onChain = await http.getLogs({ address, fromBlock: 0, toBlock: 'latest' });
      expect(logs.map((log) => [log.blockHash, log.index])).toEqual(onChain.map((log) => [log.blockHash, log.index]));
      // Every block, none skipped, none twice.
      expect(blocks.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < blocks.length; i++) expect(blocks[i]).toBe((blocks[i - 1] as number) + 1);
    } finally {
      await provider.destroy();
      http.destroy();
    }
  }, 60_000);

  it('notifies newHeads as the specification shapes them, and unsubscribes', async () => {
    const ws = socket(`/rpc/${nodeId}/${apiKey}`);
    const subscribed = await callOver(ws, 'eth_subscribe', ['newHeads']);
    const id = subscribed.result as string;
    expect(id).toMatch(/^0x[0-9a-f]{32}$/);
    const notification = await new Promise<{ method: string; params: { subscription: string; result: object } }>(
      (resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))),
    );
    expect(notification.method).toBe('eth_subscription');
    expect(notification.params.subscription).toBe(id);
    expect(notification.params.result).toMatchObject({ number: expect.any(String), hash: expect.any(String) });
    expect(notification.params.result).not.toHaveProperty('transactions');
    expect((await callOver(ws, 'eth_unsubscribe', [id])).result).toBe(true);
    expect((await callOver(ws, 'eth_unsubscribe', [id])).result).toBe(false);
    expect((await callOver(ws, 'eth_subscribe', ['newPendingTransactions'])).error?.code).toBe(-32602);
    expect((await callOver(ws, 'eth_subscribe', ['logs', { address: 'nope' }])).error?.code).toBe(-32602);
    ws.close();
  });

  it('holds each key to its plan’s subscriptions', async () => {
    // Billing is off locally: the organisation has the plan PLAN_WHEN_BILLING_IS_OFF names.
    const limit = getPlan(PLAN_WHEN_BILLING_IS_OFF).webSocket.maxSubscriptionsPerKey;
    const ws = socket(`/rpc/${nodeId}/${apiKey}`);
    const answers = [];
    while (answers.length <= limit) {
      const answer = await callOver(ws, 'eth_subscribe', ['newHeads']);
      // The plan's rate limit applies too: wait for tokens and ask again.
      if (answer.error?.message.startsWith('Rate limit')) await new Promise((resolve) => setTimeout(resolve, 200));
      else answers.push(answer);
    }
    expect(answers.slice(0, limit).every((a) => typeof a.result === 'string')).toBe(true);
    expect(answers[limit]?.error?.code).toBe(-32005);
    ws.close();
  });

  it('closes a connection with 4001 when its key is revoked while connected', async () => {
    const key = await env.call('POST', `/v1/orgs/${member.orgId}/api-keys`, {
      token: member.token,
      body: { name: 'short-lived', scopes: ['rpc'] },
    });
    const ws = socket(`/rpc/${nodeId}/${key.json.secret}`);
    expect((await callOver(ws, 'eth_chainId')).result).toBeDefined();
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    await env.call('DELETE', `/v1/orgs/${member.orgId}/api-keys/${key.json.id}`, { token: member.token });
    // Keys are looked up through a cache of a few seconds; the minute's check runs here until it sees the change.
    let outcome: { code: number; reason: string } | undefined;
    closed.then((value) => {
      outcome = value;
    });
    for (let i = 0; i < 100 && !outcome; i++) {
      await env.runtime.sockets.recheckAll();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(outcome).toEqual({ code: 4001, reason: 'The API key is not valid' });
  }, 30_000);

  it('admits the console’s live-head ticket for its one node, for head methods only', async () => {
    const ticket = await env.call('POST', `/v1/orgs/${member.orgId}/nodes/${nodeId}/live-ticket`, {
      token: member.token,
    });
    expect(ticket.status, ticket.text).toBe(201);
    expect(ticket.json.url).toBe(`${wsBase}/rpc/${nodeId}`);
    const ws = new WebSocket(ticket.json.url, ['carechain-jsonrpc', ticket.json.ticket]);
    expect(typeof (await callOver(ws, 'eth_subscribe', ['newHeads'])).result).toBe('string');
    expect((await callOver(ws, 'eth_getBalance', [`0x${'0'.repeat(40)}`, 'latest'])).error?.code).toBe(-32601);
    ws.close();
    const elsewhere = await env.call('POST', `/v1/orgs/${member.orgId}/nodes`, {
      token: member.token,
      body: { networkId: (await env.call('GET', '/v1/networks', { token: member.token })).json.items[0].id },
    });
    expect(await refusedWith(socket(`/rpc/${elsewhere.json.id}`, ['carechain-jsonrpc', ticket.json.ticket]))).toBe(404);
    expect(JSON.stringify(env.logLines)).not.toContain(ticket.json.ticket);
    expect(JSON.stringify(env.logLines)).not.toContain(apiKey);
  });

  it('opens one connection per ticket: a copied ticket opens nothing, the connection it opened stays admitted', async () => {
    const liveTicket = async () =>
      (await env.call('POST', `/v1/orgs/${member.orgId}/nodes/${nodeId}/live-ticket`, { token: member.token })).json
        .ticket as string;
    const ticket = await liveTicket();
    const first = socket(`/rpc/${nodeId}`, ['carechain-jsonrpc', ticket]);
    expect(typeof (await callOver(first, 'eth_blockNumber')).result).toBe('string');
    // The same ticket again, as one copied from the page would be offered.
    expect(await refusedWith(socket(`/rpc/${nodeId}`, ['carechain-jsonrpc', ticket]))).toBe(401);
    // The connection it opened is checked again by the ticket's record, and stays open.
    await env.runtime.sockets.recheckAll();
    expect(first.readyState).toBe(WebSocket.OPEN);
    expect(typeof (await callOver(first, 'eth_chainId')).result).toBe('string');
    first.close();

    // Over HTTP a ticket calls nothing (as in AWS), and is not used up by trying.
    const overHttp = await liveTicket();
    const posted = await fetch(`${env.runtime.url}/rpc/${nodeId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${overHttp}` },
      body: '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}',
    });
    expect(posted.status).toBe(401);
    expect((await posted.json()).detail).toMatch(/opens a WebSocket connection/);
    const opened = socket(`/rpc/${nodeId}`, ['carechain-jsonrpc', overHttp]);
    expect(typeof (await callOver(opened, 'eth_blockNumber')).result).toBe('string');
    opened.close();
  });
});
