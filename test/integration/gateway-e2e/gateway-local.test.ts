/**
 * The gateway as `npm start` serves it: cast and ethers reach a managed node through `/rpc/<node>/<key>`,
 * blocked methods and other organisations' nodes are refused, and the usage API shows exactly the calls served.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessRuntime, startInProcessRuntime } from '../../support/in-process-runtime.ts';

const run = promisify(execFile);
const castBinary = join(
  dirname(createRequire(import.meta.url).resolve('@foundry-rs/cast-linux-amd64/package.json')),
  'bin',
  'cast',
);

let env: InProcessRuntime;
let member: { token: string; orgId: string };
let nodeId: string;
let apiKey: string;
let chainId: number;

beforeAll(async () => {
  env = await startInProcessRuntime();
  member = await env.user('Gateway Hospital');
  const networks = await env.call('GET', '/v1/networks', { token: member.token });
  chainId = networks.json.items[0].chainId;
  const node = await env.call('POST', `/v1/orgs/${member.orgId}/nodes`, {
    token: member.token,
    body: { networkId: networks.json.items[0].id },
  });
  nodeId = node.json.id;
  await env.waitForNode(member.token, member.orgId, nodeId, (n) => n.state === 'running');
  const key = await env.call('POST', `/v1/orgs/${member.orgId}/api-keys`, {
    token: member.token,
    body: { name: 'wallet', scopes: ['rpc', 'read'] },
  });
  apiKey = key.json.secret;
}, 60_000);
afterAll(() => env.close());

describe('gateway on the local runtime', () => {
  it('serves cast through the URL form', async () => {
    const url = `${env.runtime.url}/rpc/${nodeId}/${apiKey}`;
    const chain = await run(castBinary, ['chain-id', '--rpc-url', url]);
    expect(Number(chain.stdout.trim())).toBe(chainId);
    const block = await run(castBinary, ['block-number', '--rpc-url', url]);
    expect(Number(block.stdout.trim())).toBeGreaterThanOrEqual(0);
  });

  it('serves ethers and refuses blocked methods and other organisations’ nodes', async () => {
    const provider = new JsonRpcProvider(`${env.runtime.url}/rpc/${nodeId}/${apiKey}`, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
    });
    expect(Number((await provider.getNetwork()).chainId)).toBe(chainId);
    await expect(provider.send('admin_nodeInfo', [])).rejects.toThrow();
    await expect(provider.send('anvil_setBalance', [`0x${'1'.repeat(40)}`, '0x1'])).rejects.toThrow();

    const other = await env.user('Other');
    const otherKey = await env.call('POST', `/v1/orgs/${other.orgId}/api-keys`, {
      token: other.token,
      body: { name: 'x', scopes: ['rpc'] },
    });
    const foreign = await fetch(`${env.runtime.url}/rpc/${nodeId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${otherKey.json.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    });
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(env.logLines)).not.toContain(apiKey);
  });

  it('meters exactly the calls it served, visible through the usage API', async () => {
    const org = await env.user('Metered');
    const node = await env.call('POST', `/v1/orgs/${org.orgId}/nodes`, {
      token: org.token,
      body: { networkId: (await env.call('GET', '/v1/networks', { token: org.token })).json.items[0].id },
    });
    await env.waitForNode(org.token, org.orgId, node.json.id, (n) => n.state === 'running');
    const key = await env.call('POST', `/v1/orgs/${org.orgId}/api-keys`, {
      token: org.token,
      body: { name: 'm', scopes: ['rpc'] },
    });
    let ok = 0;
    for (let i = 0; i < 40; i++) {
      const batch = [
        { jsonrpc: '2.0', id: i * 3, method: 'eth_blockNumber', params: [] },
        { jsonrpc: '2.0', id: i * 3 + 1, method: 'eth_chainId', params: [] },
        { jsonrpc: '2.0', id: i * 3 + 2, method: 'debug_traceTransaction', params: ['0x00'] },
      ];
      const res = await fetch(`${env.runtime.url}/rpc/${node.json.id}`, {
        method: 'POST',
        headers: { 'x-api-key': key.json.secret, 'content-type': 'application/json' },
        body: JSON.stringify(batch),
      });
      const answers = (await res.json()) as Array<{ result?: unknown; error?: unknown }>;
      ok += answers.filter((a) => a.result !== undefined).length;
    }
    expect(ok).toBe(80);
    await env.runtime.usage.flush();
    const usage = await env.call('GET', `/v1/orgs/${org.orgId}/usage?granularity=hour`, { token: org.token });
    expect(usage.status).toBe(200);
    expect(usage.json.meters.rpc_requests.total).toBe(ok);
    expect(usage.json.meters.rpc_compute_units.total).toBeGreaterThan(0);
    expect(usage.json.meters.api_requests.total).toBeGreaterThanOrEqual(2);
  });
});
