import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  orgRefFromOrgId,
  readMembers,
  readProposal,
  readValidators,
} from '../../../shared/chain/contracts/consortium-governance.ts';
import { type AnvilChain, send, startAnvil } from './anvil-chain.ts';
import { deployConsortium, eventNames, propose, revertOf } from './governance-fixture.ts';

let chain: AnvilChain;

beforeAll(async () => {
  chain = await startAnvil();
});

afterAll(async () => {
  await chain?.stop();
});

describe('admitting a member', () => {
  it('takes effect when the proposal passes, with the organisation recorded', async () => {
    const { governance, members } = await deployConsortium(chain, 3);
    const newcomer = chain.newWallet();
    const isMember = governance.getFunction('isMember');
    const id = await propose(
      governance,
      members[0]!,
      'proposeAdmitMember',
      newcomer.address,
      orgRefFromOrgId('org_pharmacy'),
    );
    await send(governance, members[0]!, 'vote', id, true);
    expect(await isMember(newcomer.address)).toBe(false);

    const deciding = await send(governance, members[1]!, 'vote', id, true);
    expect(eventNames(governance, deciding)).toEqual([
      'VoteCast',
      'ProposalPassed',
      'MemberAdmitted',
      'ProposalExecuted',
    ]);
    expect(await isMember(newcomer.address)).toBe(true);
    expect((await readMembers(governance)).at(-1)).toMatchObject({ address: newcomer.address, orgId: 'org_pharmacy' });
    expect(await readProposal(governance, id)).toMatchObject({
      kind: 'admit-member',
      state: 'executed',
      orgId: 'org_pharmacy',
    });
    expect((await readProposal(governance, id)).executedAt).toBeDefined();
  });

  it('lets the new member propose and vote, and raises the threshold', async () => {
    const { governance, members } = await deployConsortium(chain, 1);
    const newcomer = chain.newWallet();
    const admit = await propose(
      governance,
      members[0]!,
      'proposeAdmitMember',
      newcomer.address,
      orgRefFromOrgId('org_x'),
    );
    await send(governance, members[0]!, 'vote', admit, true);
    expect(await governance.getFunction('votesToPass')()).toBe(2n);

    const next = await propose(governance, newcomer, 'proposeAddValidator', chain.newWallet().address);
    await send(governance, newcomer, 'vote', next, true);
    expect((await readProposal(governance, next)).state).toBe('active');
    await send(governance, members[0]!, 'vote', next, true);
    expect((await readProposal(governance, next)).state).toBe('passed');
  });

  it('refuses to propose an existing member', async () => {
    const { governance, members } = await deployConsortium(chain, 2);
    const refused = await revertOf(
      send(governance, members[0]!, 'proposeAdmitMember', members[1]!.address, orgRefFromOrgId(undefined), 0),
    );
    expect(refused).toEqual({ name: 'AlreadyMember', args: [members[1]!.address] });
  });
});

describe('removing a member', () => {
  it('takes effect when the proposal passes, and the former member can no longer vote', async () => {
    const { governance, members } = await deployConsortium(chain, 3);
    const [first, second, leaving] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
    const id = await propose(governance, first, 'proposeRemoveMember', leaving.address);
    const pending = await propose(governance, first, 'proposeAddValidator', chain.newWallet().address);
    await send(governance, first, 'vote', id, true);
    const deciding = await send(governance, second, 'vote', id, true);

    expect(eventNames(governance, deciding)).toEqual([
      'VoteCast',
      'ProposalPassed',
      'MemberRemoved',
      'ProposalExecuted',
    ]);
    expect(await governance.getFunction('isMember')(leaving.address)).toBe(false);
    expect((await readMembers(governance)).map((m) => m.address).sort()).toEqual(
      [first.address, second.address].sort(),
    );
    expect((await revertOf(send(governance, leaving, 'vote', pending, true))).name).toBe('CallerNotMember');
  });

  it('settles a proposal that the smaller membership now carries', async () => {
    const { governance, members } = await deployConsortium(chain, 4);
    const [a, b, c, d] = members as [
      (typeof members)[0],
      (typeof members)[0],
      (typeof members)[0],
      (typeof members)[0],
    ];
    const validatorVote = await propose(governance, a, 'proposeAddValidator', chain.newWallet().address);
    await send(governance, a, 'vote', validatorVote, true);
    await send(governance, b, 'vote', validatorVote, true);
    expect((await readProposal(governance, validatorVote)).state).toBe('active'); // 2 of 4 is not a majority

    const removal = await propose(governance, a, 'proposeRemoveMember', d.address);
    for (const voter of [a, b, c]) await send(governance, voter, 'vote', removal, true);
    const settled = await send(governance, chain.newWallet(), 'settle', validatorVote);
    expect(eventNames(governance, settled)).toEqual(['ProposalPassed']);
    expect((await readProposal(governance, validatorVote)).state).toBe('passed'); // 2 of 3 is
  });

  it('never removes the last member', async () => {
    const { governance, members } = await deployConsortium(chain, 1);
    const refused = await revertOf(send(governance, members[0]!, 'proposeRemoveMember', members[0]!.address, 0));
    expect(refused).toEqual({ name: 'LastMember', args: [members[0]!.address] });
  });

  it('refuses a removal that would empty the consortium even when proposed while others remained', async () => {
    const { governance, members } = await deployConsortium(chain, 2);
    const [a, b] = members as [(typeof members)[0], (typeof members)[0]];
    const removeA = await propose(governance, a, 'proposeRemoveMember', a.address);
    const removeB = await propose(governance, b, 'proposeRemoveMember', b.address);
    await send(governance, a, 'vote', removeA, true);
    await send(governance, b, 'vote', removeA, true);
    expect(await revertOf(send(governance, b, 'vote', removeB, true))).toEqual({
      name: 'LastMember',
      args: [b.address],
    });
    expect(await governance.getFunction('isMember')(b.address)).toBe(true);
  });
});

describe('validator changes: decided on chain, carried out by the control plane', () => {
  it('records an add as passed, then as executed by the executor, updating the validator list', async () => {
    const executor = chain.newWallet();
    const genesisValidator = chain.newWallet().address;
    const { governance, members } = await deployConsortium(chain, 2, {
      validators: [genesisValidator],
      executor: executor.address,
    });
    const validator = chain.newWallet().address;
    const id = await propose(governance, members[0]!, 'proposeAddValidator', validator);
    await send(governance, members[0]!, 'vote', id, true);
    await send(governance, members[1]!, 'vote', id, true);
    expect((await readProposal(governance, id)).state).toBe('passed');
    expect(await readValidators(governance)).toEqual([genesisValidator]);

    const outsider = chain.newWallet();
    expect(await revertOf(send(governance, outsider, 'markExecuted', id))).toEqual({
      name: 'CallerNotExecutor',
      args: [outsider.address],
    });
    const executed = await send(governance, executor, 'markExecuted', id);
    expect(eventNames(governance, executed)).toEqual(['ValidatorAdded', 'ProposalExecuted']);
    expect(await readValidators(governance)).toEqual([genesisValidator, validator]);
    expect(await governance.getFunction('isValidator')(validator)).toBe(true);
    expect((await readProposal(governance, id)).state).toBe('executed');
    expect(await revertOf(send(governance, executor, 'markExecuted', id))).toEqual({
      name: 'NotAwaitingExecution',
      args: [BigInt(id), 4n],
    });
  });

  it('records a removal executed by a member', async () => {
    const [v1, v2, v3] = [chain.newWallet().address, chain.newWallet().address, chain.newWallet().address];
    const { governance, members } = await deployConsortium(chain, 1, { validators: [v1, v2, v3] });
    const id = await propose(governance, members[0]!, 'proposeRemoveValidator', v1);
    await send(governance, members[0]!, 'vote', id, true);
    const executed = await send(governance, members[0]!, 'markExecuted', id);
    expect(eventNames(governance, executed)).toEqual(['ValidatorRemoved', 'ProposalExecuted']);
    expect((await readValidators(governance)).sort()).toEqual([v2, v3].sort());
  });

  it('refuses to execute a proposal that has not passed, or is not a validator change', async () => {
    const { governance, members } = await deployConsortium(chain, 2);
    const active = await propose(governance, members[0]!, 'proposeAddValidator', chain.newWallet().address);
    expect(await revertOf(send(governance, members[0]!, 'markExecuted', active))).toEqual({
      name: 'NotAwaitingExecution',
      args: [BigInt(active), 0n],
    });
    const admit = await propose(
      governance,
      members[0]!,
      'proposeAdmitMember',
      chain.newWallet().address,
      orgRefFromOrgId(undefined),
    );
    await send(governance, members[0]!, 'vote', admit, true);
    await send(governance, members[1]!, 'vote', admit, true);
    expect((await revertOf(send(governance, members[0]!, 'markExecuted', admit))).name).toBe('NotAwaitingExecution');
  });

  it('refuses adding a known validator and removing an unknown one', async () => {
    const known = chain.newWallet().address;
    const unknown = chain.newWallet().address;
    const { governance, members } = await deployConsortium(chain, 1, { validators: [known] });
    expect(await revertOf(send(governance, members[0]!, 'proposeAddValidator', known, 0))).toEqual({
      name: 'ValidatorAlreadyKnown',
      args: [known],
    });
    expect(await revertOf(send(governance, members[0]!, 'proposeRemoveValidator', unknown, 0))).toEqual({
      name: 'UnknownValidator',
      args: [unknown],
    });
  });

  it('keeps a passed change open until executed, so it cannot be proposed twice', async () => {
    const { governance, members } = await deployConsortium(chain, 1);
    const validator = chain.newWallet().address;
    const id = await propose(governance, members[0]!, 'proposeAddValidator', validator);
    await send(governance, members[0]!, 'vote', id, true);
    expect(await revertOf(send(governance, members[0]!, 'proposeAddValidator', validator, 0))).toEqual({
      name: 'ProposalAlreadyOpen',
      args: [BigInt(id)],
    });
  });
});
