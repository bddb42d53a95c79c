/**
 * The personal-data guard as a new user meets it on the local runtime (`npm start`): `cast send` through the
 * gateway URL with a personnummer in its calldata is refused with JSON-RPC error -32010 naming the detector and
 * where it was found, never the value, and nothing reaches the chain (the sender's nonce does not move); the same
 * through the signing API is a 422; with the network's policy set to `flag` it goes through, and the signed
 * data-protection report counts both, verifies with ethers.verifyMessage, and a tampered copy does not.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Interface, JsonRpcProvider, verifyMessage, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../shared/domain/canonical-json.ts';
import { type InProcessRuntime, startInProcessRuntime } from '../../support/in-process-runtime.ts';

const run = promisify(execFile);
const castBinary = join(
  dirname(createRequire(import.meta.url).resolve('@foundry-rs/cast-linux-amd64/package.json')),
  'bin',
  'cast',
);
const PERSONNUMMER = '19121212-1212';
const NOTE = new Interface(['function note(string text)']);

let env: InProcessRuntime;
let member: { token: string; orgId: string };
let operatorToken: string;
let networkId: string;
let nodeId: string;
let gatewayUrl: string;
let chainRpcUrl: string;
const sender = Wallet.createRandom();
const recipient = Wallet.createRandom().address;
const month = new Date().toISOString().slice(0, 7);

beforeAll(async () => {
  env = await startInProcessRuntime();
  member = await env.user('Guarded Hospital');
  operatorToken = await env.operatorToken();
  const networks = await env.call('GET', '/v1/networks', { token: member.token });
  networkId = networks.json.items[0].id;
  const node = await env.call('POST', `/v1/orgs/${member.orgId}/nodes`, { token: member.token, body: { networkId } });
  nodeId = node.json.id;
  await env.waitForNode(member.token, member.orgId, nodeId, (n) => n.state === 'running');
  const key = await env.call('POST', `/v1/orgs/${member.orgId}/api-keys`, {
    token: member.token,
    body: { name: 'wallet', scopes: ['rpc'] },
  });
  gatewayUrl = `${env.runtime.url}/rpc/${nodeId}/${key.json.secret}`;
  const record = await env.runtime.deps.stores.nodes.get(member.orgId, nodeId);
  chainRpcUrl = record?.endpoints.rpcUrl ?? '';
}, 60_000);
afterAll(() => env?.close());

/** `cast send` as anyone would type it; the chain has free gas, so a fresh key can send at once. */
function castSend(text: string) {
  return run(castBinary, [
    'send',
    '--rpc-url',
    gatewayUrl,
    '--private-key',
    sender.privateKey,
    '--gas-price',
    '0',
    '--priority-gas-price',
    '0',
    '--gas-limit',
    '100000',
    recipient,
    'note(string)',
    text,
  ]);
}

/** The sender's nonce as the chain itself knows it, asked of the node directly. */
async function chainNonce(): Promise<number> {
  const provider = new JsonRpcProvider(chainRpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  return provider.getTransactionCount(sender.address, 'pending');
}

function setPolicy(mode: string) {
  return env.call('PUT', `/v1/networks/${networkId}/data-protection-policy`, { token: operatorToken, body: { mode } });
}

describe('personal-data guard on the local runtime', () => {
  it('refuses cast send with a personnummer in calldata at the gateway; nothing reaches the chain', async () => {
    const policy = await env.call('GET', `/v1/networks/${networkId}/data-protection-policy`, { token: member.token });
    expect(policy.json).toMatchObject({ mode: 'block', isDefault: true });

    const refused = await castSend(`Patient ${PERSONNUMMER} admitted`).then(
      () => undefined,
      (error: { stderr: string }) => error.stderr,
    );
    expect(refused).toBeDefined();
    expect(refused).toContain('-32010');
    expect(refused).toMatch(/calldata offset \d+: personnummer/);
    expect(refused).not.toContain(PERSONNUMMER);
    expect(refused).not.toContain('191212121212');
    expect(await chainNonce()).toBe(0);

    // Without personal data the same command goes through.
    const sent = await castSend('Batch 2026-11-24 released');
    expect(sent.stdout).toMatch(/status\s+1/);
    expect(await chainNonce()).toBe(1);
  });

  it('answers the refused call of a batch with -32010 and the others as usual; the value is never echoed', async () => {
    const tx = await sender.signTransaction({
      to: recipient,
      data: NOTE.encodeFunctionData('note', [`Patient ${PERSONNUMMER}`]),
      nonce: 1,
      gasLimit: 100_000,
      gasPrice: 0,
      chainId: (await new JsonRpcProvider(chainRpcUrl).getNetwork()).chainId,
    });
    const res = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'eth_sendRawTransaction', params: [tx] },
        { jsonrpc: '2.0', id: 2, method: 'eth_chainId', params: [] },
      ]),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(PERSONNUMMER);
    const [refusal, chainId] = JSON.parse(text) as [
      { id: number; error: { code: number; message: string; data: Record<string, unknown> } },
      { id: number; result: string },
    ];
    expect(refusal.id).toBe(1);
    expect(refusal.error.code).toBe(-32010);
    expect(refusal.error.data).toMatchObject({
      reason: 'personal-data',
      policy: 'block',
      findings: [{ detector: 'personnummer', location: expect.stringMatching(/^calldata offset \d+$/) }],
    });
    expect(chainId.result).toMatch(/^0x/);
    expect(await chainNonce()).toBe(1);
    expect(JSON.stringify(env.logLines)).not.toContain(PERSONNUMMER);
  });

  it('leaves a transaction whose data has a digit that is not hex to the node, which refuses it', async () => {
    // The inspector reads the data's digits where it scans them; a pair that is not hex is no byte and no text. The
    // node refuses the whole transaction, so the personnummer the pair breaks up reaches nothing.
    const data = NOTE.encodeFunctionData('note', [`Patient ${PERSONNUMMER}`]);
    const tx = await sender.signTransaction({
      to: recipient,
      data,
      nonce: 1,
      gasLimit: 100_000,
      gasPrice: 0,
      chainId: (await new JsonRpcProvider(chainRpcUrl).getNetwork()).chainId,
    });
    const digit = tx.indexOf(Buffer.from(PERSONNUMMER).toString('hex')) + 9;
    const broken = `${tx.slice(0, digit)}g${tx.slice(digit + 1)}`;
    const res = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'eth_sendRawTransaction', params: [broken] }),
    });
    const answer = (await res.json()) as { id: number; error?: { code: number; message: string }; result?: unknown };
    expect(answer.id).toBe(7);
    expect(answer.result).toBeUndefined();
    // JSON-RPC 2.0's invalid params, from the node: the gateway did not refuse it (that would be -32010).
    expect(answer.error?.code).toBe(-32602);
    expect(JSON.stringify(answer)).not.toContain(PERSONNUMMER);
    expect(await chainNonce()).toBe(1);
  });

  it('refuses the same through the signing API with 422 problem+json', async () => {
    const key = await env.call('POST', `/v1/orgs/${member.orgId}/keys`, {
      token: member.token,
      body: { alias: 'pnr' },
    });
    const res = await env.call('POST', `/v1/orgs/${member.orgId}/keys/${key.json.id}/transactions`, {
      token: member.token,
      body: { to: recipient, data: NOTE.encodeFunctionData('note', [`Patient ${PERSONNUMMER}`]), nodeId },
    });
    expect(res.status).toBe(422);
    expect(res.json.type).toBe('https://carechain.se/problems/personal-data-refused');
    expect(res.text).toMatch(/calldata offset \d+: personnummer/);
    expect(res.text).not.toContain(PERSONNUMMER);
  });

  it('lets it through under `flag`, and the signed report counts blocks and flags', async () => {
    expect((await setPolicy('flag')).json).toMatchObject({ mode: 'flag', isDefault: false });
    // The gateway looks policies up again after a few seconds at most.
    const deadline = Date.now() + 15_000;
    let flagged: { stdout: string } | undefined;
    // Sends refused while the gateway still held the old policy are blocks like any other, and counted as such.
    let refusedMeanwhile = 0;
    while (!flagged && Date.now() < deadline) {
      flagged = await castSend(`Patient ${PERSONNUMMER} admitted`).catch(async () => {
        refusedMeanwhile++;
        await new Promise((resolve) => setTimeout(resolve, 500));
        return undefined;
      });
    }
    expect(flagged?.stdout).toMatch(/status\s+1/);
    expect(await chainNonce()).toBe(2);
    await setPolicy('block');

    const report = await env.call('GET', `/v1/orgs/${member.orgId}/data-protection-report?month=${month}`, {
      token: member.token,
    });
    expect(report.status).toBe(200);
    expect(report.text).not.toContain(PERSONNUMMER);
    const { report: body, payload, signature, signer } = report.json;
    expect(payload).toBe(canonicalJson(body));
    expect(verifyMessage(payload, signature)).toBe(signer);
    expect(signer).toBe((await env.call('GET', '/v1/platform')).json.signingAddress);
    expect(body.policies).toEqual([expect.objectContaining({ networkId, mode: 'block', isDefault: false })]);
    const count = (outcome: string, channel: string) =>
      body.counts.find(
        (row: { detector: string; outcome: string; channel: string }) =>
          row.detector === 'personnummer' && row.outcome === outcome && row.channel === channel,
      )?.requests ?? 0;
    // cast's refused send and the batch's refused call; the signing API's refusal; cast's flagged send.
    expect({
      gatewayBlocked: count('blocked', 'gateway'),
      apiBlocked: count('blocked', 'signing-api'),
      gatewayFlagged: count('flagged', 'gateway'),
    }).toEqual({ gatewayBlocked: 2 + refusedMeanwhile, apiBlocked: 1, gatewayFlagged: 1 });
    expect(body.totals).toMatchObject({ blockedRequests: 3 + refusedMeanwhile, flaggedRequests: 1 });

    const tampered = canonicalJson({ ...body, totals: { ...body.totals, flaggedRequests: 0 } });
    expect(verifyMessage(tampered, signature)).not.toBe(signer);

    const csv = await fetch(`${env.runtime.url}/v1/orgs/${member.orgId}/data-protection-report?month=${month}`, {
      headers: { authorization: `Bearer ${member.token}`, accept: 'text/csv' },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toMatch(/^record,org_id,month,final,detector,outcome,channel,requests/);
    expect(lines).toContainEqual(expect.stringMatching(/^count,.*,personnummer,flagged,gateway,1,1,1/));
  }, 60_000);
});
