/**
 * Self-hosted nodes as their owners see them: the URL a member recorded is shown as theirs and no gateway URL is
 * advertised for them (the gateway serves only nodes the platform runs); a managed node's gateway URL answers.
 * A member's changes to a node never fail with "changed by someone else" because the control plane's own
 * background work (probes, reconciler steps) wrote the record meanwhile. Real dynalite, real anvil.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessRuntime, startInProcessRuntime } from '../../support/in-process-runtime.ts';

let env: InProcessRuntime;
let networkId: string;
let ownNode: { server: Server; url: string };

/** The member's own node: answers its network's chain id and the probe's batch. */
async function startOwnNode(chainId: number) {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const parsed = JSON.parse(body) as { id: unknown; method: string } | { id: unknown; method: string }[];
      const answer = (call: { id: unknown; method: string }) => ({
        jsonrpc: '2.0',
        id: call.id,
        result:
          call.method === 'eth_chainId' ? `0x${chainId.toString(16)}` : call.method === 'eth_syncing' ? false : '0x1',
      });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(Array.isArray(parsed) ? parsed.map(answer) : answer(parsed)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

beforeAll(async () => {
  env = await startInProcessRuntime();
  const anyone = await env.user();
  const networks = await env.call('GET', '/v1/networks', { token: anyone.token });
  const network = networks.json.items.find((n: { name: string }) => n.name === 'carechain-dev');
  networkId = network.id;
  ownNode = await startOwnNode(network.chainId);
}, 60_000);

afterAll(async () => {
  await env?.close();
  await new Promise((resolve) => ownNode?.server.close(resolve));
});

describe('self-hosted nodes', () => {
  it('show the member’s own URL as such, and advertise no gateway URL for them', async () => {
    const { token, orgId } = await env.user('Own Node Clinic');
    const created = await env.call('POST', `/v1/orgs/${orgId}/nodes`, {
      token,
      body: { networkId, hosting: 'self-hosted', rpcUrl: ownNode.url },
    });
    expect(created.status).toBe(201);
    const running = await env.waitForNode(token, orgId, created.json.id, (n) => n.state === 'running');
    expect(running).toMatchObject({ rpcUrl: null, selfHostedRpcUrl: ownNode.url });

    const managed = await env.call('POST', `/v1/orgs/${orgId}/nodes`, { token, body: { networkId } });
    const served = await env.waitForNode(token, orgId, managed.json.id, (n) => n.state === 'running');
    expect(served).toMatchObject({ rpcUrl: `${env.runtime.url}/rpc/${managed.json.id}`, selfHostedRpcUrl: null });
    const apiKey = await env.call('POST', `/v1/orgs/${orgId}/api-keys`, {
      token,
      body: { name: 'rpc', scopes: ['rpc'] },
    });
    const answer = await fetch(served.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey.json.secret },
      body: '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}',
    });
    expect(answer.status).toBe(200);
  });

  it('retries a member’s change when the platform wrote the node between the member’s read and write', async () => {
    const { token, orgId } = await env.user('Racing Clinic');
    const created = await env.call('POST', `/v1/orgs/${orgId}/nodes`, {
      token,
      body: { networkId, hosting: 'self-hosted', rpcUrl: ownNode.url },
    });
    const nodeId = created.json.id as string;
    await env.waitForNode(token, orgId, nodeId, (n) => n.state === 'running');
    // The member's request acts on the organisation's own scope: its repository, not the platform's, is the one
    // whose reads the member's change goes through.
    const { nodes } = env.runtime.deps.tenancy.forOrganisation(orgId).stores;
    const read = nodes.get.bind(nodes);
    const writer = env.runtime.deps.stores.nodes;
    let interleaved = 0;
    // The next read of the node is followed at once by the health monitor's own write of the same record, so the
    // member's change meets a newer version, as it does when the platform's write lands in between.
    nodes.get = async (o, n) => {
      const record = await read(o, n);
      if (record && n === nodeId && interleaved < 2) {
        interleaved++;
        await writer.annotate(record, { health: 'degraded', healthReason: `probe ${interleaved}` });
      }
      return record;
    };
    try {
      const patched = await env.call('PATCH', `/v1/orgs/${orgId}/nodes/${nodeId}`, {
        token,
        body: { enode: `enode://${'12'.repeat(64)}@203.0.113.10:30303` },
      });
      expect(patched.status).toBe(200);
      const stopped = await env.call('POST', `/v1/orgs/${orgId}/nodes/${nodeId}/stop`, { token });
      expect(stopped.status).toBe(202);
      expect(stopped.json.desiredState).toBe('stopped');
    } finally {
      nodes.get = read;
    }
    expect(interleaved).toBe(2);
  });

  it('clears the enode, and the node address it implied, when the member clears it', async () => {
    const { token, orgId } = await env.user('Clearing Clinic');
    const enode = `enode://${'ef'.repeat(64)}@203.0.113.9:30303`;
    const created = await env.call('POST', `/v1/orgs/${orgId}/nodes`, {
      token,
      body: { networkId, hosting: 'self-hosted', enode },
    });
    const nodeId = created.json.id as string;
    const identified = await env.waitForNode(token, orgId, nodeId, (n) => n.state === 'running');
    expect(identified).toMatchObject({ enode });
    const cleared = await env.call('PATCH', `/v1/orgs/${orgId}/nodes/${nodeId}`, { token, body: { enode: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.json).toMatchObject({ enode: null, validatorAddress: null });
  });
});
