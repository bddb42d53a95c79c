import { ZeroAddress } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deployConsortiumGovernance,
  readMembers,
  readProposal,
  readProposalCount,
  readValidators,
} from '../../../shared/chain/contracts/consortium-governance.ts';
import { type AnvilChain, send, startAnvil } from './anvil-chain.ts';
import { deployConsortium, eventNames, propose, revertOf, VOTING_PERIOD } from './governance-fixture.ts';

let chain: AnvilChain;

beforeAll(async () => {
  chain = await startAnvil();
});

afterAll(async () => {
  await chain?.stop();
});

describe('deployment', () => {
  it('starts with the founding members, their organisations and the genesis validators', async () => {
    const validator = chain.newWallet().address;
    const { governance, members } = await deployConsortium(chain, 2, { validators: [validator] });
    const listed = await readMembers(governance);
    expect(listed.map((m) => [m.address, m.orgId])).toEqual([
      [members[0]!.address, 'org_member0'],
      [members[1]!.address, 'org_member1'],
    ]);
    expect(await governance.getFunction('isMember')(members[1]!.address)).toBe(true);
    expect(await governance.getFunction('isMember')(chain.newWallet().address)).toBe(false);
    expect(await readValidators(governance)).toEqual([validator]);
    expect(await readProposalCount(governance)).toBe(0);
  });

  it.each([
    ['no founding members', () => [], 'NoFoundingMembers'],
    ['a member listed twice', (a: string) => [a, a], 'DuplicateAddress'],
    ['the zero address as a member', () => [ZeroAddress], 'ZeroAddress'],
  ])('refuses %s', async (_name, members, error) => {
    const address = chain.newWallet().address;
    const deployment = deployConsortiumGovernance(
      chain.newWallet(),
      { members: members(address).map((a) => ({ address: a })) },
      { gasPrice: 0n },
    );
    expect((await revertOf(deployment)).name).toBe(error);
  });

  it('refuses a default voting period outside its own bounds', async () => {
    const deployment = deployConsortium(chain, 1, { votingPeriodSeconds: 30, minVotingPeriodSeconds: 60 });
    expect(await revertOf(deployment)).toEqual({ name: 'InvalidVotingPeriodBounds', args: [30n, 60n, 2_592_000n] });
  });
});

describe('passing threshold: yes votes from more than half of the current members', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
  ])('with %i members a proposal passes with %i yes votes', async (memberCount, needed) => {
    const { governance, members } = await deployConsortium(chain, memberCount);
    expect(await governance.getFunction('votesToPass')()).toBe(BigInt(needed));
    const id = await propose(governance, members[0]!, 'proposeAddValidator', chain.newWallet().address);
    for (let yes = 1; yes <= needed; yes++) {
      const receipt = await send(governance, members[yes - 1]!, 'vote', id, true);
      const proposal = await readProposal(governance, id);
      expect(proposal.yesVotes).toBe(yes);
      expect(proposal.state).toBe(yes === needed ? 'passed' : 'active');
      expect(eventNames(governance, receipt)).toEqual(yes === needed ? ['VoteCast', 'ProposalPassed'] : ['VoteCast']);
    }
  });
});

describe('rejection: once no votes make a majority impossible', () => {
  it.each([
    [1, 1],
    [2, 1],
    [3, 2],
    [4, 2],
    [5, 3],
  ])('with %i members a proposal is rejected at %i no votes', async (memberCount, needed) => {
    const { governance, members } = await deployConsortium(chain, memberCount);
    const id = await propose(governance, members[0]!, 'proposeAddValidator', chain.newWallet().address);
    for (let no = 1; no <= needed; no++) {
      const receipt = await send(governance, members[no - 1]!, 'vote', id, false);
      expect((await readProposal(governance, id)).state).toBe(no === needed ? 'rejected' : 'active');
      if (no === needed) expect(eventNames(governance, receipt)).toEqual(['VoteCast', 'ProposalRejected']);
    }
  });

  it('a split vote of two members is a rejection, not a pass', async () => {
    const { governance, members } = await deployConsortium(chain, 2);
    const id = await propose(governance, members[0]!, 'proposeAddValidator', chain.newWallet().address);
    await send(governance, members[0]!, 'vote', id, true);
    await send(governance, members[1]!, 'vote', id, false);
    expect(await readProposal(governance, id)).toMatchObject({ state: 'rejected', yesVotes: 1, noVotes: 1 });
  });
});

describe('who may vote, and how often', () => {
  it('records the proposal with its proposer, subject and voting window', async () => {
    const { governance, members } = await deployConsortium(chain, 3);
    const subject = chain.newWallet().address;
    const id = await propose(governance, members[2]!, 'proposeAddValidator', subject);
    const proposal = await readProposal(governance, id);
    expect(proposal).toMatchObject({
      id: 1,
      kind: 'add-validator',
      state: 'active',
      subject,
      proposer: members[2]!.address,
      yesVotes: 0,
      noVotes: 0,
      executedAt: undefined,
    });
    expect(Date.parse(proposal.expiresAt) - Date.parse(proposal.createdAt)).toBe(VOTING_PERIOD * 1000);
    expect(await readProposalCount(governance)).toBe(1);
  });

  it('refuses a second vote by the same member', async () => {
    const { governance, members } = await deployConsortium(chain, 3);
    const id = await propose(governance, members[0]!, 'proposeAddValidator', chain.newWallet().address);
    await send(governance, members[1]!, 'vote', id, false);
    expect(await governance.getFunction('hasVoted')(id, members[1]!.address)).toBe(true);
    const again = await revertOf(send(governance, members[1]!, 'vote', id, true));
    expect(again).toEqual({ name: 'AlreadyVoted', args: [BigInt(id), members[1]!.address] });
    expect(await readProposal(governance, id)).toMatchObject({ yesVotes: 0, noVotes: 1 });
  });

  it('refuses proposals and votes from accounts that are not members', async () => {
    const { governance, members } = await deployConsortium(chain, 2);
    const outsider = chain.newWallet();
    const proposal = await revertOf(send(governance, outsider, 'proposeAddValidator', outsider.address, 0));
    expect(proposal).toEqual({ name: 'CallerNotMember', args: [outsider.address] });
    const id = await propose(governance, members[0]!, 'proposeAddValidator', outsider.address);
    expect((await revertOf(send(governance, outsider, 'vote', id, true))).name).toBe('CallerNotMember');
  });

  it('refuses votes on a decided proposal and on one that does not exist', async () => {
    const { governance, members } = await deployConsortium(chain, 1);
    const id = await propose(governance, members[0]!, 'proposeAddValidator', chain.newWallet().address);
    await send(governance, members[0]!, 'vote', id, true);
    const closed = await revertOf(send(governance, members[0]!, 'vote', id, true));
    expect(closed).toEqual({ name: 'VotingClosed', args: [BigInt(id), 1n] });
    expect(await revertOf(send(governance, members[0]!, 'vote', 7, true))).toEqual({
      name: 'UnknownProposal',
      args: [7n],
    });
  });

  it('allows one open proposal per change at a time', async () => {
    const { governance, members } = await deployConsortium(chain, 2);
    const validator = chain.newWallet().address;
    const id = await propose(governance, members[0]!, 'proposeAddValidator', validator);
    const duplicate = await revertOf(send(governance, members[1]!, 'proposeAddValidator', validator, 0));
    expect(duplicate).toEqual({ name: 'ProposalAlreadyOpen', args: [BigInt(id)] });
  });
});

describe('expiry', () => {
  it('reads as expired after its voting period, refuses votes, and settles as expired', async () => {
    const { governance, members } = await deployConsortium(chain, 3);
    const validator = chain.newWallet().address;
    const id = await propose(governance, members[0]!, 'proposeAddValidator', validator);
    await send(governance, members[0]!, 'vote', id, true);
    await chain.advanceTime(VOTING_PERIOD - 60);
    expect((await readProposal(governance, id)).state).toBe('active');
    await chain.advanceTime(60);
    expect((await readProposal(governance, id)).state).toBe('expired');
    expect(await revertOf(send(governance, members[1]!, 'vote', id, true))).toEqual({
      name: 'VotingClosed',
      args: [BigInt(id), 3n],
    });
    const settled = await send(governance, chain.newWallet(), 'settle', id);
    expect(eventNames(governance, settled)).toEqual(['ProposalExpired']);
    expect(await readProposal(governance, id)).toMatchObject({ state: 'expired', yesVotes: 1 });
  });

  it('lets the same change be proposed again once the earlier proposal expired', async () => {
    const { governance, members } = await deployConsortium(chain, 2);
    const validator = chain.newWallet().address;
    const first = await propose(governance, members[0]!, 'proposeAddValidator', validator);
    await chain.advanceTime(VOTING_PERIOD);
    const second = await propose(governance, members[1]!, 'proposeAddValidator', validator);
    expect(second).toBe(first + 1);
    expect((await readProposal(governance, first)).state).toBe('expired');
    expect((await readProposal(governance, second)).state).toBe('active');
  });

  it('takes a voting period per proposal within the deployment bounds', async () => {
    const { governance, members } = await deployConsortium(chain, 1);
    const validator = chain.newWallet().address;
    const tooShort = await revertOf(send(governance, members[0]!, 'proposeAddValidator', validator, 59));
    expect(tooShort).toEqual({ name: 'VotingPeriodOutOfBounds', args: [59n, 60n, 2_592_000n] });
    const receipt = await send(governance, members[0]!, 'proposeAddValidator', validator, 120);
    const created = governance.interface.parseLog(receipt.logs[0]!);
    const block = await chain.provider.getBlock(receipt.blockNumber);
    expect(created?.args.getValue('expiresAt')).toBe(BigInt(block!.timestamp + 120));
  });
});
