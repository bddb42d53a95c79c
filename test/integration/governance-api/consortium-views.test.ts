/**
 * What the console's Consortium pages read, through the API on the local runtime: members with their
 * organisations' names, when and by which proposal they were admitted; validators with the genesis named;
 * proposals with the names of who proposed and who they are about; each proposal's votes with the transactions
 * that cast them (those sent around the API too, once the watcher has read their block); and a governance
 * transaction's receipt, while any other transaction's hash is unknown (404).
 *
 * The steps build on each other, as a consortium's history does, so they run in order.
 */
import { hexlify, JsonRpcProvider, randomBytes, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectConsortiumGovernance } from '../../../shared/chain/contracts/consortium-governance.ts';
import { type GovernanceEnv, startGovernanceEnv } from './governance-api-fixture.ts';

let g: GovernanceEnv;
let operator: string;
let networkId: string;
let platformAddress: string;
const genesisValidators = Array.from({ length: 3 }, () => new Wallet(hexlify(randomBytes(32))).address);
/** A member outside the vault: it signs with its own wallet, straight to the contract. */
const outsider = new Wallet(hexlify(randomBytes(32)));
type Org = { token: string; orgId: string; key: { id: string; address: string } };
let a: Org;
let b: Org;
let c: { token: string; orgId: string };
const ids = { admitA: 0, admitB: 0, admitOutsider: 0 };

const path = (rest: string) => `/v1/networks/${networkId}${rest}`;

async function propose(token: string, body: Record<string, unknown>): Promise<number> {
  return (await g.expectStatus(await g.call('POST', path('/proposals'), { token, body }), 201)).id;
}

async function vote(token: string, proposalId: number, body: Record<string, unknown>) {
  return g.expectStatus(
    await g.call('POST', path(`/proposals/${proposalId}/votes`), { token, body: { support: true, ...body } }),
    200,
  );
}

beforeAll(async () => {
  g = await startGovernanceEnv();
  operator = await g.operatorToken();
  platformAddress = (await g.runtime.deps.stores.platform.getSigningKey())!.address;
  networkId = (
    await g.expectStatus(
      await g.call('POST', '/v1/networks', {
        token: operator,
        body: { name: 'consortium-views', chainId: 4_242_019, blockPeriodSeconds: 1, validators: genesisValidators },
      }),
      201,
    )
  ).id;
  const [orgA, orgB, orgC] = await Promise.all([
    g.organisation('Akademiska sjukhuset'),
    g.organisation('Apotek Syd'),
    g.organisation('Karolinska Institutet'),
  ]);
  const [aKey, bKey] = await Promise.all([
    g.signingKey(orgA.token, orgA.orgId, 'consortium'),
    g.signingKey(orgB.token, orgB.orgId, 'consortium'),
  ]);
  a = { ...orgA, key: aKey };
  b = { ...orgB, key: bKey };
  c = orgC;
  await g.node(a.token, a.orgId, networkId);
  await g.pass();

  ids.admitA = await propose(operator, {
    kind: 'admit-member',
    actAsPlatform: true,
    orgId: a.orgId,
    address: aKey.address,
  });
  await vote(operator, ids.admitA, { actAsPlatform: true });
  ids.admitB = await propose(a.token, { kind: 'admit-member', keyId: aKey.id, orgId: b.orgId, memberKeyId: bKey.id });
  await vote(a.token, ids.admitB, { keyId: aKey.id });
  await vote(operator, ids.admitB, { actAsPlatform: true });
  await g.pass();
}, 120_000);

afterAll(async () => {
  await g?.close();
});

describe('the consortium as the console reads it', () => {
  it('lists members with their organisations’ names, when and by which proposal they were admitted', async () => {
    const consortium = await g.expectStatus(await g.call('GET', path('/governance'), { token: b.token }), 200);
    expect(consortium.members).toEqual([
      expect.objectContaining({
        address: platformAddress,
        orgId: 'platform',
        orgName: 'CareChain (platform)',
        admittedByProposal: null,
        founding: true,
      }),
      expect.objectContaining({
        address: a.key.address,
        orgId: a.orgId,
        orgName: 'Akademiska sjukhuset',
        admittedByProposal: ids.admitA,
      }),
      expect.objectContaining({
        address: b.key.address,
        orgId: b.orgId,
        orgName: 'Apotek Syd',
        admittedByProposal: ids.admitB,
      }),
    ]);
    for (const member of consortium.members) expect(Date.parse(member.admittedAt)).not.toBeNaN();
    expect(consortium.validatorDetails).toHaveLength(genesisValidators.length);
    for (const validator of consortium.validatorDetails) {
      expect(validator).toMatchObject({ genesis: true, addedByProposal: null, nodeId: null });
    }
  });

  it('names who proposed and who a proposal is about', async () => {
    const list = await g.expectStatus(await g.call('GET', path('/proposals'), { token: c.token }), 200);
    expect(list.items[0]).toMatchObject({
      id: ids.admitB,
      orgName: 'Apotek Syd',
      proposerOrgId: a.orgId,
      proposerOrgName: 'Akademiska sjukhuset',
    });
    expect(list.items[1]).toMatchObject({ id: ids.admitA, proposerOrgName: 'CareChain (platform)' });
  });

  it('lists a proposal’s votes in order, each with its organisation and transaction', async () => {
    const votes = await g.expectStatus(
      await g.call('GET', path(`/proposals/${ids.admitB}/votes`), { token: c.token }),
      200,
    );
    expect(votes.items).toEqual([
      expect.objectContaining({ voter: a.key.address, orgId: a.orgId, orgName: 'Akademiska sjukhuset', support: true }),
      expect.objectContaining({ voter: platformAddress, orgId: 'platform', support: true }),
    ]);
    for (const v of votes.items) {
      expect(v.transactionHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(v.blockNumber).toBeGreaterThan(0);
    }
    // The watcher read the same blocks: still one entry per vote.
    await g.pass();
    const again = await g.expectStatus(
      await g.call('GET', path(`/proposals/${ids.admitB}/votes`), { token: c.token }),
      200,
    );
    expect(again.items).toHaveLength(2);
    expect((await g.call('GET', path('/proposals/99/votes'), { token: c.token })).status).toBe(404);
  });

  it('lists a vote sent straight to the contract once the watcher has read its block', async () => {
    ids.admitOutsider = await propose(a.token, {
      kind: 'admit-member',
      keyId: a.key.id,
      orgId: c.orgId,
      address: outsider.address,
      votingPeriodSeconds: 7200,
    });
    await vote(a.token, ids.admitOutsider, { keyId: a.key.id });
    await vote(b.token, ids.admitOutsider, { keyId: b.key.id });
    await g.pass();

    // The new member votes on the next proposal with its own wallet, not through the API.
    const next = await propose(a.token, { kind: 'add-validator', keyId: a.key.id, address: outsider.address });
    const provider = new JsonRpcProvider(await g.rpcUrlOf(networkId), undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
    });
    try {
      const network = await g.runtime.deps.stores.networks.get(networkId);
      const contract = await connectConsortiumGovernance(network!.governanceAddress!, outsider.connect(provider));
      const sent = await contract.getFunction('vote')(next, false, { gasPrice: 0n, type: 0 });
      await sent.wait();
      await g.pass();
      const votes = await g.expectStatus(
        await g.call('GET', path(`/proposals/${next}/votes`), { token: a.token }),
        200,
      );
      expect(votes.items).toEqual([
        expect.objectContaining({
          voter: outsider.address,
          orgId: c.orgId,
          orgName: 'Karolinska Institutet',
          support: false,
          transactionHash: sent.hash,
        }),
      ]);
    } finally {
      provider.destroy();
    }
  });

  it('reads a governance transaction’s receipt and events, and knows no other transaction', async () => {
    const votes = await g.expectStatus(
      await g.call('GET', path(`/proposals/${ids.admitB}/votes`), { token: b.token }),
      200,
    );
    const voteHash = votes.items[0].transactionHash as string;
    const read = await g.expectStatus(await g.call('GET', path(`/transactions/${voteHash}`), { token: b.token }), 200);
    expect(read).toMatchObject({ hash: voteHash, state: 'succeeded', from: a.key.address, networkId });
    expect(read.events[0]).toMatchObject({
      name: 'VoteCast',
      args: { id: String(ids.admitB), voter: a.key.address, support: 'true' },
    });
    expect(Date.parse(read.minedAt)).not.toBeNaN();

    const proposal = await g.expectStatus(
      await g.call('GET', path(`/proposals/${ids.admitB}`), { token: b.token }),
      200,
    );
    const created = await g.expectStatus(
      await g.call('GET', path(`/transactions/${proposal.transactionHash}`), { token: b.token }),
      200,
    );
    expect(created.events[0]).toMatchObject({
      name: 'ProposalCreated',
      args: { kind: 'admit-member', orgId: b.orgId },
    });

    // An ordinary transfer on the same chain is nobody's business through this route.
    const provider = new JsonRpcProvider(await g.rpcUrlOf(networkId), undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
    });
    try {
      const transfer = await outsider
        .connect(provider)
        .sendTransaction({ to: a.key.address, value: 0n, gasPrice: 0n, type: 0 });
      await transfer.wait();
      expect((await g.call('GET', path(`/transactions/${transfer.hash}`), { token: b.token })).status).toBe(404);
    } finally {
      provider.destroy();
    }
    expect((await g.call('GET', path(`/transactions/0x${'12'.repeat(32)}`), { token: b.token })).status).toBe(404);
    const malformed = await g.call('GET', path('/transactions/0x1234'), { token: b.token });
    expect(malformed.status).toBe(400);
    expect(malformed.json.errors[0].message).toBe('Not a transaction hash (0x and 64 hex digits)');
    expect((await g.call('GET', path(`/transactions/${voteHash}`))).status).toBe(401);
  });
});
