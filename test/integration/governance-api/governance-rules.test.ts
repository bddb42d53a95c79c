/**
 * The two translations the governance API and executor rest on, as data-driven cases: the contract's custom
 * errors → API statuses with a readable reason, and node records → validator liveness for the safety check.
 */
import { describe, expect, it } from 'vitest';
import { validatorStatuses } from '../../../functions/jobs/governance/validator-liveness.ts';
import { refusalFromRevert } from '../../../functions/services/governance/governance-refusal.ts';
import type { NodeRecord, NodeState } from '../../../shared/domain/node.ts';

const V1 = '0x1111111111111111111111111111111111111111';
const V2 = '0x2222222222222222222222222222222222222222';
const V3 = '0x3333333333333333333333333333333333333333';

describe('contract refusals as API errors', () => {
  it.each([
    ['CallerNotMember', [V1], 403, /not a member/],
    ['CallerNotExecutor', [V1], 403, /may not record/],
    ['AlreadyVoted', [4n, V1], 409, /already voted on proposal 4/],
    ['VotingClosed', [4n, 3n], 409, /closed: it is expired/],
    ['VotingClosed', [4n, 1n], 409, /closed: it is passed/],
    ['UnknownProposal', [9n], 404, /no proposal 9/],
    ['ProposalAlreadyOpen', [2n], 409, /Proposal 2 .* still open/],
    ['LastMember', [V1], 409, /last member/],
    ['VotingPeriodOutOfBounds', [60n, 3600n, 2592000n], 400, /voting period/],
    ['SomethingNew', [1n], 409, /SomethingNew\(1\)/],
  ] as const)('%s(%s) → %i', (name, args, status, message) => {
    const error = refusalFromRevert({ name, args: [...args] });
    expect(error.status).toBe(status);
    expect(error.type).toBe('governance-refused');
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`contract rule: ${name}`);
  });

  it('names the field for a voting period out of bounds', () => {
    const error = refusalFromRevert({ name: 'VotingPeriodOutOfBounds', args: [60n, 3600n, 2592000n] });
    expect(error.fields).toEqual([
      { path: 'body.votingPeriodSeconds', message: 'must be from 3600 to 2592000 seconds' },
    ]);
  });
});

function node(id: string, state: NodeState, validatorAddress?: string, desired: 'running' | 'stopped' = 'running') {
  return {
    id,
    orgId: 'org_a',
    networkId: 'net_a',
    state,
    desiredState: desired,
    validatorAddress,
    endpoints: { rpcUrl: state === 'stopped' ? undefined : 'http://127.0.0.1:1', p2pPort: undefined },
  } as NodeRecord;
}

describe('validator liveness from node records', () => {
  const base = { bindings: [], initialValidators: [V1], validators: [V1, V2, V3] };

  it.each([
    ['running', 'running', true],
    ['degraded', 'running', false],
    ['stopped', 'stopped', false],
    ['running', 'stopped', false],
    ['failed', 'running', false],
  ] as const)('a node %s (desired %s) makes its validator live: %s', (state, desired, live) => {
    const statuses = validatorStatuses({
      ...base,
      runtime: 'besu',
      nodes: [node('n2', state, V2, desired)],
    });
    expect(statuses.find((s) => s.address === V2)?.live).toBe(live);
  });

  it('counts a validator voted in for a node (anvil) through its binding', () => {
    const statuses = validatorStatuses({
      ...base,
      runtime: 'anvil',
      nodes: [node('n3', 'running')],
      bindings: [{ networkId: 'net_a', address: V3, nodeId: 'n3', orgId: 'org_a', proposalId: 2 }],
    });
    expect(statuses).toEqual([
      { address: V1, live: true }, // genesis validator: the anvil chain serves through n3
      { address: V2, live: false }, // nobody stands behind it
      { address: V3, live: true },
    ]);
  });

  it('counts genesis validators live on anvil only while the chain serves, and never on Besu without a node', () => {
    const stopped = validatorStatuses({ ...base, runtime: 'anvil', nodes: [node('n1', 'stopped')] });
    expect(stopped.find((s) => s.address === V1)?.live).toBe(false);
    const besu = validatorStatuses({ ...base, runtime: 'besu', nodes: [node('n1', 'running')] });
    expect(besu.find((s) => s.address === V1)?.live).toBe(false);
  });
});
