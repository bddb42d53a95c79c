import { readFile } from 'node:fs/promises';
import { Interface } from 'ethers';
import { describe, expect, it } from 'vitest';
import { consentLedgerBytecode } from '../../../shared/chain/contracts/consent-ledger.ts';
import {
  consortiumGovernanceBytecode,
  consortiumGovernanceInterface,
} from '../../../shared/chain/contracts/consortium-governance.ts';
import {
  artefactUrl,
  type ContractArtefact,
  compileContract,
  interfaceArtefact,
  interfaceArtefactUrl,
  serialiseArtefact,
} from '../../../shared/chain/contracts/solidity-compiler.ts';
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
    expect(await consortiumGovernanceBytecode()).toBe(artefact.bytecode);
    expect(new Interface(artefact.abi as never).format()).toEqual(consortiumGovernanceInterface.format());
  });

  it.each([
    ['ConsortiumGovernance', consortiumGovernanceBytecode],
    ['ConsentLedger', consentLedgerBytecode],
  ])('%s: the code-less artefact is the whole one without its code, which loads on demand', async (name, bytecode) => {
    const whole = JSON.parse(await readFile(artefactUrl(name), 'utf8')) as ContractArtefact;
    const withoutCode = await readFile(interfaceArtefactUrl(name), 'utf8');
    expect(withoutCode).toBe(serialiseArtefact(interfaceArtefact(whole)));
    expect(withoutCode).not.toContain('bytecode');
    expect(JSON.parse(withoutCode).abi).toEqual(whole.abi);
    expect(await bytecode()).toBe(whole.bytecode);
    expect(whole.bytecode).toMatch(/^0x[0-9a-f]{2000,}$/);
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
