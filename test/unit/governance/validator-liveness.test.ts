import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import {
  isValidatorLive,
  type LivenessInput,
  validatorStatuses,
} from '../../../functions/jobs/governance/validator-liveness.ts';
import { aNetwork, aNode } from '../providers/node-fixtures.ts';

const network = aNetwork();
const [genesisA, genesisB, member] = [0, 1, 2].map(() => Wallet.createRandom().address) as [string, string, string];
const servingMember = aNode(network, {
  runtime: 'besu',
  state: 'running',
  endpoints: { rpcUrl: 'http://127.0.0.1:1', p2pPort: 1 },
  validatorAddress: member,
});

function input(overrides: Partial<LivenessInput> = {}): LivenessInput {
  return {
    validators: [genesisA, genesisB, member],
    nodes: [servingMember],
    bindings: [],
    runtime: 'besu',
    initialValidators: [genesisA, genesisB],
    ...overrides,
  };
}

describe('validator liveness', () => {
  it('takes the liveness of the genesis validators the platform runs from their processes', () => {
    const statuses = validatorStatuses(
      input({
        platformValidators: [
          { address: genesisA.toLowerCase(), live: true },
          { address: genesisB, live: false },
        ],
      }),
    );
    expect(statuses).toEqual([
      { address: genesisA, live: true },
      { address: genesisB, live: false },
      { address: member, live: true },
    ]);
  });

  it('counts a genesis validator with neither a node nor a platform process as down on Besu', () => {
    expect(isValidatorLive(genesisA, input())).toBe(false);
  });

  it('on anvil, counts genesis validators live while the chain serves', () => {
    expect(isValidatorLive(genesisA, input({ runtime: 'anvil' }))).toBe(true);
    expect(isValidatorLive(genesisA, input({ runtime: 'anvil', nodes: [] }))).toBe(false);
  });

  it('counts a node’s validator down while the node is degraded or meant to stop', () => {
    expect(isValidatorLive(member, input({ nodes: [{ ...servingMember, state: 'degraded' }] }))).toBe(false);
    expect(isValidatorLive(member, input({ nodes: [{ ...servingMember, desiredState: 'stopped' }] }))).toBe(false);
  });
});
