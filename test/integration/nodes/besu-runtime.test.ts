/**
 * With a `besu` executable on PATH, `npm start`'s runtime runs networks on Besu (here the stand-in executable, as
 * Besu cannot be installed on this machine): the default network's genesis names four validators whose keys the
 * platform made first and whose processes it runs, so the chain grows from the first start; each new managed node is
 * its own Besu process that follows it and reports the enode and address of its own key. A network created with
 * validators held elsewhere keeps the anvil runtime. The chain seals only while a QBFT quorum of its validators
 * reach each other.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../../shared/adapters/local/process-control.ts';
import { nodeKeyIdentity } from '../../../shared/chain/besu/node-key.ts';
import { type InProcessRuntime, startInProcessRuntime } from '../../support/in-process-runtime.ts';
import { writeBesuStandIn } from '../providers/besu-stand-in.ts';
import { height, waitFor } from '../providers/besu-test-support.ts';

let binDir: string;
let env: InProcessRuntime;
const originalPath = process.env.PATH;

beforeAll(async () => {
  binDir = await mkdtemp(join(tmpdir(), 'carechain-besu-bin-'));
  const besu = await writeBesuStandIn(binDir);
  process.env.PATH = `${dirname(besu)}:${originalPath}`;
  // Fleet operations look every second and restart a stalled network's validators at once.
  env = await startInProcessRuntime({ CARECHAIN_FLEET_INTERVAL_MS: '1000', CARECHAIN_STALL_RESTART_DELAY_MS: '0' });
}, 60_000);
afterAll(async () => {
  await env?.close();
  process.env.PATH = originalPath;
  await rm(binDir, { recursive: true, force: true });
});

async function privateRpcUrl(orgId: string, nodeId: string): Promise<string> {
  const record = await env.runtime.deps.stores.nodes.get(orgId, nodeId);
  if (!record?.endpoints.rpcUrl) throw new Error('node has no endpoint');
  return record.endpoints.rpcUrl;
}

/** The addresses of the node keys the platform made for a network's genesis validators. */
function genesisKeyAddresses(networkId: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    const path = join(env.dataDir, 'besu-genesis', networkId, `validator-${index}`, 'data', 'key');
    return nodeKeyIdentity(readFileSync(path, 'utf8')).address;
  });
}

/** The enodes the network's genesis validators reported. */
function genesisEnodes(networkId: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) =>
    readFileSync(join(env.dataDir, 'besu-genesis', networkId, `validator-${index}`, 'enode'), 'utf8').trim(),
  );
}

describe('the Besu runtime', () => {
  it('gives the default network four genesis validators the platform made and runs', async () => {
    const { token } = await env.user('Genesis Check');
    const network = (await env.call('GET', `/v1/networks/${env.runtime.defaultNetworkId}`, { token })).json;
    expect([...network.validators].sort()).toEqual(genesisKeyAddresses(network.id, 4).sort());
    // Their enodes are the network's bootnodes, so a member's own Besu on this machine can join with the bundle.
    const enodes = genesisEnodes(network.id, 4);
    expect(network.bootnodes).toEqual(enodes);
    const { token: member, orgId } = await env.user('Self-Hosted Clinic');
    const selfHosted = await env.call('POST', `/v1/orgs/${orgId}/nodes`, {
      token: member,
      body: { networkId: network.id, hosting: 'self-hosted' },
    });
    const bundle = await env.call('GET', `/v1/orgs/${orgId}/nodes/${selfHosted.json.id}/join-bundle`, {
      token: member,
    });
    expect(JSON.parse(bundle.json.files['static-nodes.json'])).toEqual(enodes);
    const platform = (await env.call('GET', '/v1/platform', { token })).json;
    // The platform's signing key stays in the vault: the validator seals with a node key of its own.
    expect(network.validators).not.toContain(platform.signingAddress);
  });

  it('runs each new managed node as its own Besu process that follows the chain', async () => {
    const { token, orgId } = await env.user('Besu Clinic');
    const networkId = env.runtime.defaultNetworkId;
    const created = await env.call('POST', `/v1/orgs/${orgId}/nodes`, {
      token,
      body: { networkId, role: 'validator' },
    });
    expect(created.json).toMatchObject({ runtime: 'besu', sharedChain: false, runtimeNote: null });
    const running = await env.waitForNode(token, orgId, created.json.id, (n) => n.state === 'running');
    expect(running.enode).toMatch(/^enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+/);
    const key = nodeKeyIdentity(readFileSync(join(env.dataDir, 'besu', created.json.id, 'data', 'key'), 'utf8'));
    expect(running.enode).toContain(key.nodeId);
    const withAddress = await env.waitForNode(token, orgId, created.json.id, (n) =>
      Boolean((n as { validatorAddress?: string }).validatorAddress),
    );
    expect(withAddress.validatorAddress).toBe(key.address);

    const url = await privateRpcUrl(orgId, created.json.id);
    const start = await height(url);
    await waitFor('the node to see new blocks', async () => (await height(url)) > start, 20_000);

    const second = await env.call('POST', `/v1/orgs/${orgId}/nodes`, { token, body: { networkId } });
    const secondRunning = await env.waitForNode(token, orgId, second.json.id, (n) => n.state === 'running');
    expect(secondRunning.enode).not.toBe(running.enode);
  });

  it('runs a network created without validators on Besu, and one with validators held elsewhere on anvil', async () => {
    const operator = await env.operatorToken();
    const local = await env.call('POST', '/v1/networks', {
      token: operator,
      body: { name: 'besu-lab', chainId: 1_337_911, blockPeriodSeconds: 1 },
    });
    expect(local.status).toBe(201);
    expect([...local.json.validators].sort()).toEqual(genesisKeyAddresses(local.json.id, 4).sort());
    expect(local.json.bootnodes).toEqual(genesisEnodes(local.json.id, 4));
    const elsewhere = await env.call('POST', '/v1/networks', {
      token: operator,
      body: { name: 'held-elsewhere', chainId: 1_337_912, validators: [Wallet.createRandom().address] },
    });
    expect(elsewhere.status).toBe(201);

    const { token, orgId } = await env.user('Two Networks Clinic');
    const onBesu = await env.call('POST', `/v1/orgs/${orgId}/nodes`, { token, body: { networkId: local.json.id } });
    const onAnvil = await env.call('POST', `/v1/orgs/${orgId}/nodes`, {
      token,
      body: { networkId: elsewhere.json.id },
    });
    expect(onBesu.json.runtime).toBe('besu');
    expect(onAnvil.json.runtime).toBe('anvil');
    await env.waitForNode(token, orgId, onBesu.json.id, (n) => n.state === 'running');
    const url = await privateRpcUrl(orgId, onBesu.json.id);
    await waitFor('blocks on the new network', async () => (await height(url)) >= 1, 20_000);
  });

  it('halts a network that reaches too few of its validators, and goes on when they are back', async () => {
    // If the validators left fell out of step meanwhile, the fleet worker restarts them together.
    const networkId = env.runtime.defaultNetworkId;
    const validatorDir = (index: number) => join(env.dataDir, 'besu-genesis', networkId, `validator-${index}`);
    const pidOf = (index: number) => Number(readFileSync(join(validatorDir(index), 'besu.pid'), 'utf8').trim());
    // Read at each call: a restart may give the validator another port.
    const rpcUrl = () => `http://127.0.0.1:${readFileSync(join(validatorDir(0), 'besu.rpc-port'), 'utf8').trim()}`;
    const url = rpcUrl();
    await waitFor('the chain to grow', async () => (await height(url)) > 0, 20_000);
    // Validators stop answering (frozen, so nothing restarts them). Three of four are QBFT's quorum: one frozen
    // validator does not stop the chain, two do.
    const frozen: number[] = [];
    try {
      frozen.push(pidOf(3));
      process.kill(pidOf(3), 'SIGSTOP');
      await sleep(2_000); // its peers stop counting it
      const withThree = await height(url);
      await waitFor('blocks with three validators', async () => (await height(url)) > withThree, 20_000);

      frozen.push(pidOf(2));
      process.kill(pidOf(2), 'SIGSTOP');
      const haltedAt = await waitFor(
        'the chain to halt',
        async () => {
          const before = await height(url);
          await sleep(3 * 2_000); // three block periods of the default network
          return (await height(url)) === before ? before : undefined;
        },
        40_000,
      );
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      await waitFor('blocks again', async () => (await height(rpcUrl()).catch(() => haltedAt)) > haltedAt, 60_000);
    } finally {
      // A coordinated restart may have replaced them already.
      for (const pid of frozen) if (isProcessAlive(pid)) process.kill(pid, 'SIGCONT');
    }
  }, 150_000);
});
