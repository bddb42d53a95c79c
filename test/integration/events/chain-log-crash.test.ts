/**
 * Chain logs survive kill -9 of the control plane (a child process running `npm start`'s entry point): a webhook
 * endpoint subscribed to a contract's logs, a burst of 1,000 logs on the chain, the control plane killed with
 * SIGKILL while it is following and delivering them, started again: the receiver (which stays up) gets every log
 * of the burst, each id once after the restart's at most one repeat of a delivery in flight at the kill, in chain
 * order, and the ids are exactly the ones derived from the chain's own logs (eth_getLogs through the gateway).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { chainLogEventId } from '../../../shared/domain/events.ts';
import { EVENT_ID_HEADER } from '../../../shared/domain/webhook-signature.ts';
import {
  anvilPidsUnder,
  http,
  type LocalServer,
  memberWithRunningNode,
  startLocalServer,
} from '../../support/local-server.ts';

/** A contract that emits LOG1(topic = EMITTED) with the first 32 bytes of its call data, on every call. */
const EMITTED = `0x${'c1'.repeat(32)}`;
const INIT = `0x602e600c600039602e6000f3602060006000377f${EMITTED.slice(2)}60206000a100`;
const BURST = 1000;

let dataDir: string;
let server: LocalServer | undefined;
let receiver: Server | undefined;
const env = { CARECHAIN_OPERATOR_PASSWORD: 'operator-password-1234', CARECHAIN_EVENTS_INTERVAL_MS: '100' };

afterAll(async () => {
  await server?.stop('SIGTERM');
  for (const pid of anvilPidsUnder(dataDir)) process.kill(pid, 'SIGKILL');
  await new Promise((done) => (receiver ? receiver.close(done) : done(undefined)));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function until<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 90_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}\n${server?.output() ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('chain logs across kill -9', () => {
  it('delivers every log of a 1,000-log burst once by id, in chain order, after the control plane is killed', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'carechain-logs-crash-'));
    const received: string[] = [];
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const body = String(request.headers[EVENT_ID_HEADER.toLowerCase()]);
        received.push(body);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((done) => receiver?.listen(0, '127.0.0.1', done));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/logs`;

    server = await startLocalServer({ dataDir, env });
    const member = await memberWithRunningNode(server.url, 'Log Follower');
    const key = await http(server.url, 'POST', `/v1/orgs/${member.orgId}/api-keys`, {
      token: member.token,
      body: { name: 'burst', scopes: ['rpc'] },
    });
    const networks = await http(server.url, 'GET', '/v1/networks', { token: member.token });
    const networkId = networks.json.items[0].id as string;
    const rpc = (base: string) =>
      new JsonRpcProvider(`${base}/rpc/${member.nodeId}/${key.json.secret}`, undefined, {
        staticNetwork: true,
        cacheTimeout: -1,
      });
    let provider = rpc(server.url);
    const wallet = Wallet.createRandom();
    const { chainId } = await provider.getNetwork();
    const sign = (nonce: number, tx: { to?: string; data: string }) =>
      wallet.signTransaction({ ...tx, nonce, gasLimit: 100_000, gasPrice: 0, chainId });
    const deployed = await (await provider.broadcastTransaction(await sign(0, { data: INIT }))).wait();
    const address = String(deployed?.contractAddress).toLowerCase();

    const webhook = await http(server.url, 'POST', `/v1/orgs/${member.orgId}/webhooks`, {
      token: member.token,
      body: { url: receiverUrl, eventTypes: ['chain.log'], chainLog: { networkId, address: [address] } },
    });
    expect(webhook.status, webhook.text).toBe(201);

    // The burst: 1,000 calls, each one log, sent as fast as the node takes them.
    const signed = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        sign(i + 1, { to: address, data: `0x${(i + 1).toString(16).padStart(64, '0')}` }),
      ),
    );
    const gatewayUrl = `${server.url}/rpc/${member.nodeId}/${key.json.secret}`;
    for (let i = 0; i < signed.length; ) {
      const batch = signed
        .slice(i, i + 40)
        .map((tx, j) => ({ jsonrpc: '2.0', id: i + j, method: 'eth_sendRawTransaction', params: [tx] }));
      const res = await fetch(gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch),
      });
      if (res.status === 429) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      const answers = (await res.json()) as Array<{ error?: unknown }>;
      expect(answers.filter((answer) => answer.error)).toEqual([]);
      i += 40;
    }
    // Killed while following and delivering.
    await until('the first deliveries', () => (received.length >= 50 ? true : undefined));
    const beforeKill = received.length;
    await server.stop('SIGKILL');
    expect(beforeKill).toBeLessThan(BURST);

    server = await startLocalServer({ dataDir, env });
    provider.destroy();
    provider = rpc(server.url);
    const deadline = Date.now() + 120_000;
    while (new Set(received).size < BURST && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (new Set(received).size < BURST) {
      const view = await http(server.url, 'GET', `/v1/orgs/${member.orgId}/webhooks/${webhook.json.id}`, {
        token: member.token,
      });
      const onChain = await provider.getLogs({ address, fromBlock: 0, toBlock: 'latest' });
      throw new Error(
        `${new Set(received).size} of ${BURST} delivered (${beforeKill} before the kill); ${onChain.length} on chain; ` +
          `endpoint ${view.text}\n${server.output()}`,
      );
    }
    // A pass more: nothing else arrives.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const logs = await provider.getLogs({ address, fromBlock: 0, toBlock: 'latest' });
    expect(logs).toHaveLength(BURST);
    const expected = logs.map((log) => chainLogEventId(networkId, log.blockHash, log.index));
    const distinct = [...new Set(received)];
    // Every log of the chain, none skipped, in chain order: the follower never went back.
    expect(distinct).toEqual(expected);
    // Twice on the wire only for a delivery the kill cut between the receiver's answer and its record.
    expect(received.length - distinct.length).toBeLessThanOrEqual(1);
    const log = await http(
      server.url,
      'GET',
      `/v1/orgs/${member.orgId}/webhooks/${webhook.json.id}/deliveries?limit=5`,
      { token: member.token },
    );
    expect(log.json.items.every((d: { status: string }) => d.status === 'delivered')).toBe(true);
    provider.destroy();
  }, 300_000);
});
