import { readFile } from 'node:fs/promises';
import { Interface } from 'ethers';
import { describe, expect, it } from 'vitest';
import {
  CONSORTIUM_GOVERNANCE_BYTECODE,
  consortiumGovernanceInterface,
} from '../../../shared/chain/contracts/consortium-governance.ts';
import { artefactUrl, compileContract, serialiseArtefact } from '../../../shared/chain/contracts/solidity-compiler.ts';
import { PROPOSAL_KINDS, PROPOSAL_STATES } from '../../../shared/domain/governance.ts';

describe('ConsortiumGovernance artefact', () => {
  it('is exactly what the pinned compiler makes of the committed source, without warnings', async () => {
    const { artefact, warnings } = await compileContract('ConsortiumGovernance');
    const committed = await readFile(artefactUrl('ConsortiumGovernance'), 'utf8');
    expect(warnings).toEqual([]);
    expect(artefact.compiler.version).toMatch(/^0\.8\.37\+/);
    expect(artefact.compiler.evmVersion).toBe('cancun');
    expect(artefact.compiler.optimizer.enabled).toBe(true);
    // Byte-for-byte: a hand edit or a stale build both fail here.
    expect(committed).toBe(serialiseArtefact(artefact));
    expect(CONSORTIUM_GOVERNANCE_BYTECODE).toBe(artefact.bytecode);
    expect(new Interface(artefact.abi as never).format()).toEqual(consortiumGovernanceInterface.format());
  });

  it('declares the enums in the order the TypeScript names assume', async () => {
    const source = await readFile(
      new URL('../../../shared/chain/contracts/ConsortiumGovernance.sol', import.meta.url),
      'utf8',
    );
    const enumValues = (name: string) =>
      source
        .match(new RegExp(`enum ${name} \\{([^}]*)\\}`))?.[1]
        ?.split(',')
        .map((word) =>
          word
            .trim()
            .replace(/([a-z])([A-Z])/g, '$1-$2')
            .toLowerCase(),
        );
    expect(enumValues('ProposalKind')).toEqual([...PROPOSAL_KINDS]);
    expect(enumValues('ProposalState')).toEqual([...PROPOSAL_STATES]);
  });

  it('exposes the events and custom errors the control plane relies on', () => {
    for (const event of [
      'ProposalCreated',
      'VoteCast',
      'ProposalPassed',
      'ProposalRejected',
      'ProposalExpired',
      'ProposalExecuted',
      'MemberAdmitted',
      'MemberRemoved',
      'ValidatorAdded',
      'ValidatorRemoved',
    ]) {
      expect(consortiumGovernanceInterface.getEvent(event), event).not.toBeNull();
    }
    for (const error of [
      'CallerNotMember',
      'AlreadyVoted',
      'VotingClosed',
      'UnknownProposal',
      'NotAwaitingExecution',
    ]) {
      expect(consortiumGovernanceInterface.getError(error), error).not.toBeNull();
    }
  });
});
