/**
 * A local QBFT network on the Besu runtime, with real processes in a temporary data directory and the stand-in
 * `besu` (besu-stand-in.ts: it derives its enode and address from the node key file like Besu, seals only when its
 * address is a genesis validator, and follows the height of the static peers whose enode it was given).
 *
 * What the tests pin: the genesis validator's key exists before the genesis and the genesis names its address; the
 * platform runs that validator and the chain grows; every node of the network lists it as a static node and
 * follows it; a node's key is made in its own directory and its reported enode and address match it; a network
 * whose validators are held elsewhere is not run here (and its nodes see no blocks); restarts keep keys and height.
 */
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BesuNodeProvider } from '../../../shared/adapters/local/besu-node-provider.ts';
import { isProcessAlive } from '../../../shared/adapters/local/process-control.ts';
import { genesisJson } from '../../../shared/chain/besu/genesis.ts';
import { nodeKeyIdentity } from '../../../shared/chain/besu/node-key.ts';
import { decodeQbftExtraData } from '../../../shared/chain/besu/qbft-extra-data.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { ConflictError, ValidationError } from '../../../shared/errors.ts';
import { aNetwork, aNode } from '../../unit/providers/node-fixtures.ts';
import { writeBesuStandIn } from './besu-stand-in.ts';
import { height, openTestBesuProvider, rpc, waitFor } from './besu-test-support.ts';

const seenPids = new Set<number>();
const openProviders: BesuNodeProvider[] = [];
let binDir: string;
let besuPath: string;
let dataDir: string;

function openProvider(): Promise<BesuNodeProvider> {
  return openTestBesuProvider({ dataDir, besuPath }, openProviders);
}

/** A network created the way the control plane creates one here: genesis validator keys first. */
async function aHostedNetwork(provider: BesuNodeProvider): Promise<Network> {
  const id = aNetwork().id;
  const validators = await provider.prepareGenesisValidators(id, 1);
  const network = aNetwork({ id, validators, blockPeriodSeconds: 1 });
  expect(await provider.hostNetwork(network)).toBe(true);
  return network;
}

function validatorDir(networkId: string, index = 0): string {
  return join(dataDir, 'besu-genesis', networkId, `validator-${index}`);
}

function track(pid: number | undefined): number {
  if (pid === undefined) throw new Error('no process');
  seenPids.add(pid);
  return pid;
}

beforeAll(async () => {
  binDir = await mkdtemp(join(tmpdir(), 'carechain-besu-bin-'));
  besuPath = await writeBesuStandIn(binDir);
});

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'carechain-besu-qbft-'));
});

afterEach(async () => {
  await Promise.allSettled(openProviders.splice(0).map((provider) => provider.close()));
  await rm(dataDir, { recursive: true, force: true });
});

afterAll(async () => {
  for (const pid of seenPids) {
    if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  await rm(binDir, { recursive: true, force: true });
});

describe('a local QBFT network on the Besu runtime', () => {
  it('makes the genesis validator’s key before the genesis, names its address there, and runs it', async () => {
    const provider = await openProvider();
    const id = aNetwork().id;
    const validators = await provider.prepareGenesisValidators(id, 1);

    const keyPath = join(validatorDir(id), 'data', 'key');
    const keyFile = readFileSync(keyPath, 'utf8');
    expect(keyFile).toMatch(/^0x[0-9a-f]{64}$/);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(validators).toEqual([nodeKeyIdentity(keyFile).address]);
    // A retry after a crash half-way finds the same key rather than making another.
    expect(await provider.prepareGenesisValidators(id, 1)).toEqual(validators);
    expect(provider.hostsChainOf(id)).toBe(false);

    const network = aNetwork({ id, validators, blockPeriodSeconds: 1 });
    expect(await provider.hostNetwork(network)).toBe(true);
    expect(provider.hostsChainOf(id)).toBe(true);
    track(provider.genesisValidatorPid(id, 0));

    const genesis = await readFile(join(validatorDir(id), 'genesis.json'), 'utf8');
    expect(genesis).toBe(genesisJson(network));
    expect(decodeQbftExtraData(JSON.parse(genesis).extraData).validators).toEqual(validators);

    const [endpoint] = await provider.genesisValidatorEndpoints(id);
    expect(endpoint).toMatchObject({ address: validators[0], live: true });
    const info = (await rpc(endpoint!.rpcUrl!, 'admin_nodeInfo')) as { id: string };
    expect(info.id).toBe(nodeKeyIdentity(keyFile).nodeId);
    expect(await rpc(endpoint!.rpcUrl!, 'qbft_getValidatorsByBlockNumber', ['latest'])).toEqual([
      validators[0]!.toLowerCase(),
    ]);
    const start = await height(endpoint!.rpcUrl!);
    await waitFor('the chain to grow', async () => (await height(endpoint!.rpcUrl!)) >= start + 2);

    await expect(provider.prepareGenesisValidators(id, 1)).rejects.toBeInstanceOf(ConflictError);
    await expect(provider.discardGenesisValidators(id)).rejects.toBeInstanceOf(ConflictError);
    await expect(provider.prepareGenesisValidators(aNetwork().id, 0)).rejects.toBeInstanceOf(ValidationError);
  });

  it('has every node follow the genesis validator, with its own key and the enode and address that key gives', async () => {
    const provider = await openProvider();
    const network = await aHostedNetwork(provider);
    const [validator] = await provider.genesisValidatorEndpoints(network.id);
    const validatorEnode = readFileSync(join(validatorDir(network.id), 'enode'), 'utf8').trim();

    const nodes = [aNode(network, { runtime: 'besu' }), aNode(network, { runtime: 'besu', role: 'validator' })];
    for (const node of nodes) await provider.provision({ node, network, clientToken: node.id });
    for (const node of nodes) {
      track(provider.nodePid(node.id));
      const dir = join(dataDir, 'besu', node.id);
      const staticNodes = JSON.parse(await readFile(join(dir, 'static-nodes.json'), 'utf8')) as string[];
      expect(staticNodes).toContain(validatorEnode);
      const key = nodeKeyIdentity(readFileSync(join(dir, 'data', 'key'), 'utf8'));
      const description = await provider.describe(node);
      expect(description).toMatchObject({ status: 'running', validatorAddress: key.address });
      expect(description.enode).toContain(`enode://${key.nodeId}@127.0.0.1:`);
      // Not in the genesis: a node becomes a validator only when the validators vote it in.
      expect(network.validators).not.toContain(key.address);
      const target = (await height(validator!.rpcUrl!)) + 1;
      await waitFor(`node ${node.id} to follow the chain`, async () => (await height(description.rpcUrl!)) >= target);
      expect(Number(await rpc(description.rpcUrl!, 'net_peerCount'))).toBeGreaterThanOrEqual(1);
    }
  });

  it('does not run a network whose genesis validators are held elsewhere: its nodes see no blocks', async () => {
    const provider = await openProvider();
    const elsewhere = aNetwork({ validators: [Wallet.createRandom().address], blockPeriodSeconds: 1 });
    expect(await provider.hostNetwork(elsewhere)).toBe(false);
    expect(provider.hostsChainOf(elsewhere.id)).toBe(false);
    expect(await provider.genesisValidatorEndpoints(elsewhere.id)).toEqual([]);

    // Keys made for a network are not taken for another one that names other validators.
    const id = aNetwork().id;
    await provider.prepareGenesisValidators(id, 1);
    expect(await provider.hostNetwork(aNetwork({ id, validators: [Wallet.createRandom().address] }))).toBe(false);
    await provider.discardGenesisValidators(id);

    const node = aNode(elsewhere, { runtime: 'besu' });
    await provider.provision({ node, network: elsewhere, clientToken: node.id });
    const { rpcUrl } = await provider.describe(node);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await height(rpcUrl!)).toBe(0);
  });

  it('keeps the keys, enode and height across a control-plane restart and a kill -9 of the validator', async () => {
    const provider = await openProvider();
    const network = await aHostedNetwork(provider);
    const [before] = await provider.genesisValidatorEndpoints(network.id);
    const enode = readFileSync(join(validatorDir(network.id), 'enode'), 'utf8');
    await waitFor('a few blocks', async () => (await height(before!.rpcUrl!)) >= 2);
    const pid = track(provider.genesisValidatorPid(network.id, 0));

    await provider.close();
    expect(isProcessAlive(pid)).toBe(false);

    const reopened = await openProvider();
    expect(reopened.hostsChainOf(network.id)).toBe(false);
    expect(await reopened.hostNetwork(network)).toBe(true);
    const [after] = await reopened.genesisValidatorEndpoints(network.id);
    expect(after!.address).toBe(before!.address);
    expect(readFileSync(join(validatorDir(network.id), 'enode'), 'utf8')).toBe(enode);
    expect(await height(after!.rpcUrl!)).toBeGreaterThanOrEqual(2);

    const second = track(reopened.genesisValidatorPid(network.id, 0));
    process.kill(second, 'SIGKILL');
    const restarted = await waitFor('the validator to be restarted', () => {
      const now = reopened.genesisValidatorPid(network.id, 0);
      return now !== undefined && now !== second ? now : undefined;
    });
    track(restarted);
    expect((await reopened.genesisValidatorEndpoints(network.id))[0]).toMatchObject({ address: before!.address });
  });
});
