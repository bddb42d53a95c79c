/**
 * The Besu code path of the decision executor: passed validator changes become `qbft_proposeValidatorVote` calls
 * on every managed validator node and count as done only when `qbft_getValidatorsByBlockNumber` shows them; then
 * the contract records them with `markExecuted`. The nodes are small fake JSON-RPC responders that keep a QBFT
 * validator set and pass every other call to a real anvil chain, where the real contract lives.
 */
import { hexlify, randomBytes, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { governNetwork } from '../../../functions/jobs/governance/governance-pass.ts';
import { sendGovernanceCall } from '../../../functions/services/governance/governance-chain.ts';
import { type GovernanceJobDeps, governanceJobDeps } from '../../../functions/services/governance/governance-deps.ts';
import { ensurePlatformKey } from '../../../functions/services/platform/platform-bootstrap.ts';
import { consortiumGovernanceInterface } from '../../../shared/chain/contracts/consortium-governance.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { Network } from '../../../shared/domain/network.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { GovernanceRepository } from '../../../shared/store/governance.repository.ts';
import type { PlatformKey } from '../../../shared/store/platform.repository.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';
import { type AnvilChain, startAnvil } from '../governance/anvil-chain.ts';
import { type FakeBesuNode, FakeQbftConsensus, startFakeBesuNode } from './fake-besu.ts';

let api: TestApi;
let chain: AnvilChain;
let platform: PlatformKey;
let deps: GovernanceJobDeps;
const started: FakeBesuNode[] = [];

beforeAll(async () => {
  [api, chain] = await Promise.all([startTestApi(), startAnvil()]);
  platform = await ensurePlatformKey(api.deps.vault, api.stores.platform, new Date());
  deps = governanceJobDeps(
    { ...api.deps, managedRuntime: 'besu' },
    new GovernanceRepository(api.table, api.deps.clock),
    { receiptTimeoutMs: 10_000, consensusTimeoutMs: 1_000 },
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(started.map((node) => node.close()));
  await chain?.stop();
  await api?.close();
});

const randomAddress = () => new Wallet(hexlify(randomBytes(32))).address;

/** A Besu network of `count` validator nodes (the first `managed` of them managed by the platform). */
async function besuNetwork(count: number, managed = count) {
  const validators = Array.from({ length: count }, randomAddress);
  const consensus = new FakeQbftConsensus(validators);
  const network: Network = await api.stores.networks.create({
    id: newId('network'),
    name: `besu-${Math.random().toString(36).slice(2, 10)}`,
    chainId: 31_337,
    consensus: 'qbft',
    blockPeriodSeconds: 2,
    validators,
    bootnodes: [],
    alloc: {},
    status: 'active',
    governanceAddress: undefined,
    createdAt: new Date().toISOString(),
    version: 1,
  });
  const orgId = newId('org');
  const nodes: NodeRecord[] = [];
  for (const [index, address] of validators.entries()) {
    const fake = await startFakeBesuNode(consensus, address, chain.url);
    started.push(fake);
    nodes.push(await addNode(network, orgId, fake, index < managed ? 'managed' : 'self-hosted'));
  }
  return { network, consensus, validators, orgId, nodes };
}

async function addNode(network: Network, orgId: string, fake: FakeBesuNode, hosting: 'managed' | 'self-hosted') {
  const now = new Date().toISOString();
  return api.stores.nodes.create({
    id: newId('node'),
    orgId,
    networkId: network.id,
    name: `validator-${fake.validatorAddress.slice(2, 8)}`,
    role: 'validator',
    hosting,
    size: 'small',
    region: 'eu-north-1',
    runtime: hosting === 'managed' ? 'besu' : 'external',
    state: 'running',
    desiredState: 'running',
    reason: undefined,
    endpoints: { rpcUrl: fake.url, p2pPort: 30_303 },
    enode: undefined,
    validatorAddress: fake.validatorAddress,
    providerRef: undefined,
    createdAt: now,
    updatedAt: now,
    stateChangedAt: now,
    version: 1,
  });
}

/** The platform (sole founding member) proposes and votes a validator change through the first node. */
async function passValidatorChange(
  network: Network,
  method: 'proposeAddValidator' | 'proposeRemoveValidator',
  address: string,
) {
  const governed = (await api.stores.networks.get(network.id))!;
  const node = (await api.stores.nodes.listByNetwork(network.id))[0]!;
  const endpoint = { rpcUrl: node.endpoints.rpcUrl!, chainId: network.chainId, nodeId: node.id };
  const account = { vault: api.deps.vault, keyRef: platform.keyRef, address: platform.address };
  const proposed = await sendGovernanceCall(endpoint, account, governed.governanceAddress!, method, [address, 0]);
  const created = proposed.receipt.logs
    .map((log) => consortiumGovernanceInterface.parseLog({ topics: [...log.topics], data: log.data }))
    .find((event) => event?.name === 'ProposalCreated');
  const id = Number(created?.args.getValue('id'));
  await sendGovernanceCall(endpoint, account, governed.governanceAddress!, 'vote', [id, true]);
  return id;
}

/** Passes an add-validator proposal for a node of `orgId`, recording where it came from as the API does. */
async function passAddValidator(network: Network, address: string, orgId: string, nodeId: string) {
  const id = await passValidatorChange(network, 'proposeAddValidator', address);
  await deps.governance.recordOrigin({
    networkId: network.id,
    proposalId: id,
    kind: 'add-validator',
    orgId: 'platform',
    keyId: undefined,
    proposer: platform.address,
    subjectOrgId: orgId,
    nodeId,
    transactionHash: '0x',
    createdAt: new Date().toISOString(),
  });
  return id;
}

describe('validator changes on the Besu runtime', () => {
  it('votes on every managed validator node, confirms from the validator set, then marks the decision executed', async () => {
    const { network, consensus, orgId } = await besuNetwork(3);
    expect(await governNetwork(deps, network)).toBeDefined(); // deploys the contract through a node
    const newcomer = await startFakeBesuNode(consensus, randomAddress(), chain.url);
    started.push(newcomer);
    const newNode = await addNode(network, orgId, newcomer, 'managed');

    const id = await passAddValidator(network, newcomer.validatorAddress, orgId, newNode.id);
    await governNetwork(deps, (await api.stores.networks.get(network.id))!);

    const execution = await deps.governance.getExecution(network.id, id);
    expect(execution).toMatchObject({ state: 'executed', markExecutedTransaction: expect.stringMatching(/^0x/) });
    expect(execution?.consensus).toMatch(/^qbft: the validator set showed the change at block \d+$/);
    const votes = consensus.calls.filter((call) => call.method === 'qbft_proposeValidatorVote');
    // The three validators before the change each proposed the vote; the newcomer was not one of them yet.
    expect(votes).toHaveLength(3);
    expect(votes.every((v) => v.params[0] === newcomer.validatorAddress && v.params[1] === true)).toBe(true);
    expect(consensus.calls.some((call) => call.method === 'qbft_discardValidatorVote')).toBe(true);
    expect(consensus.validators.has(newcomer.validatorAddress.toLowerCase())).toBe(true);
    expect((await api.stores.networks.get(network.id))?.validators).toContain(newcomer.validatorAddress);
  });

  it('waits for self-hosted validators when the managed ones are not a majority, and finishes once the set changes', async () => {
    const { network, consensus, validators } = await besuNetwork(4, 1);
    await governNetwork(deps, network);
    const leaving = validators[3]!;
    const id = await passValidatorChange(network, 'proposeRemoveValidator', leaving);

    await governNetwork(deps, (await api.stores.networks.get(network.id))!);
    const waiting = await deps.governance.getExecution(network.id, id);
    expect(waiting?.state).toBe('voting');
    expect(waiting?.note).toMatch(/more than half of the 4 validators/);
    expect(consensus.validators.has(leaving.toLowerCase())).toBe(true);

    // The self-hosted validators' operators vote too.
    consensus.vote(validators[1]!, leaving, false);
    consensus.vote(validators[2]!, leaving, false);
    await governNetwork(deps, (await api.stores.networks.get(network.id))!);
    const done = await deps.governance.getExecution(network.id, id);
    expect(done?.state).toBe('executed');
    expect((await api.stores.networks.get(network.id))?.validators).not.toContain(leaving);
  });

  it('refuses an unsafe change without sending a single vote', async () => {
    const { network, consensus, nodes } = await besuNetwork(4);
    await governNetwork(deps, network);
    // One validator's node is down: removing a live one now would shrink an already reduced margin.
    const down = nodes[3]!;
    await api.stores.nodes.transition(down, 'degraded', { reason: 'Block production stalled' });
    const id = await passValidatorChange(network, 'proposeRemoveValidator', nodes[0]!.validatorAddress!);

    await governNetwork(deps, (await api.stores.networks.get(network.id))!);
    const refused = await deps.governance.getExecution(network.id, id);
    expect(refused).toMatchObject({ state: 'refused', code: 'another-validator-down' });
    expect(consensus.calls.filter((call) => call.method === 'qbft_proposeValidatorVote')).toEqual([]);
  });

  it('takes its votes back when a change under way becomes unsafe before it lands', async () => {
    const { network, consensus, validators, nodes } = await besuNetwork(4, 1);
    await governNetwork(deps, network);
    const leaving = validators[3]!;
    const id = await passValidatorChange(network, 'proposeRemoveValidator', leaving);
    await governNetwork(deps, (await api.stores.networks.get(network.id))!);
    expect((await deps.governance.getExecution(network.id, id))?.state).toBe('voting');

    await api.stores.nodes.transition(nodes[2]!, 'degraded', { reason: 'Peers lost' });
    await governNetwork(deps, (await api.stores.networks.get(network.id))!);
    expect(await deps.governance.getExecution(network.id, id)).toMatchObject({
      state: 'refused',
      code: 'another-validator-down',
    });
    const discarded = consensus.calls.filter((call) => call.method === 'qbft_discardValidatorVote');
    expect(discarded).toEqual([{ node: validators[0], method: 'qbft_discardValidatorVote', params: [leaving] }]);
  });

  it('has the genesis validators the platform runs (no node records) take the vote on a local Besu network', async () => {
    // The validators are the four genesis validators the platform runs; no organisation's node is one yet.
    const genesisAddresses = Array.from({ length: 4 }, randomAddress);
    const consensus = new FakeQbftConsensus(genesisAddresses);
    const genesisNodes: FakeBesuNode[] = [];
    for (const address of genesisAddresses) genesisNodes.push(await startFakeBesuNode(consensus, address, chain.url));
    started.push(...genesisNodes);
    const network: Network = await api.stores.networks.create({
      id: newId('network'),
      name: `local-besu-${Math.random().toString(36).slice(2, 10)}`,
      chainId: 31_337,
      consensus: 'qbft',
      blockPeriodSeconds: 2,
      validators: genesisAddresses,
      bootnodes: [],
      alloc: {},
      status: 'active',
      governanceAddress: undefined,
      createdAt: new Date().toISOString(),
      version: 1,
    });
    const platformValidators = genesisNodes.map((node, index) => ({
      nodeId: `genesis-validator-${index}-${network.id}`,
      address: node.validatorAddress,
      rpcUrl: node.url,
      live: true,
    }));
    const local = governanceJobDeps(
      {
        ...api.deps,
        managedRuntime: 'anvil',
        managedRuntimeOf: (n) => (n.id === network.id ? 'besu' : 'anvil'),
        platformValidators: async (id) => (id === network.id ? platformValidators : []),
      },
      deps.governance,
      { receiptTimeoutMs: 10_000, consensusTimeoutMs: 1_000 },
    );
    const orgId = newId('org');
    const newcomer = await startFakeBesuNode(consensus, randomAddress(), chain.url);
    started.push(newcomer);
    const newNode = await addNode(network, orgId, newcomer, 'managed');
    expect(await governNetwork(local, network)).toBeDefined();

    const id = await passAddValidator(network, newcomer.validatorAddress, orgId, newNode.id);

    await governNetwork(local, (await api.stores.networks.get(network.id))!);
    const execution = await deps.governance.getExecution(network.id, id);
    expect(execution, JSON.stringify(execution)).toMatchObject({ state: 'executed' });
    expect(execution?.consensus).toMatch(/^qbft: the validator set showed the change at block \d+$/);
    const votes = consensus.calls.filter((call) => call.method === 'qbft_proposeValidatorVote');
    expect(votes.map((vote) => vote.node).sort()).toEqual([...genesisAddresses].sort());
    expect(votes.every((vote) => vote.params[0] === newcomer.validatorAddress && vote.params[1] === true)).toBe(true);
    expect(consensus.validators.has(newcomer.validatorAddress.toLowerCase())).toBe(true);
    expect((await api.stores.networks.get(network.id))?.validators).toContain(newcomer.validatorAddress);
  });
});
