/**
 * The read side of governance for the API: proposals as the contract has them (state, tally), joined with what
 * only the control plane knows (who proposed through the API, how a passed decision was carried out), and the
 * consortium itself (members, validators as the contract records them, votes needed to pass).
 */
import type { BaseContract } from 'ethers';
import {
  connectConsortiumGovernance,
  type GovernanceProposal,
  readMembers,
  readProposal,
  readValidators,
} from '../../../shared/chain/contracts/consortium-governance.ts';
import type { Network } from '../../../shared/domain/network.ts';
import type { ProposalView } from '../../../shared/schemas/governance.schemas.ts';
import type {
  DecisionExecution,
  GovernanceRepository,
  ProposalOrigin,
} from '../../../shared/store/governance.repository.ts';
import { type ChainEndpoint, readGovernance } from './governance-chain.ts';

type GovernedNetwork = Network & { readonly governanceAddress: string };

export async function readProposalViews(
  governance: GovernanceRepository,
  network: GovernedNetwork,
  endpoint: ChainEndpoint,
  ids: readonly number[],
): Promise<ProposalView[]> {
  const [chain, executions, origins] = await Promise.all([
    readGovernance(endpoint, async (provider) => {
      const contract = connectConsortiumGovernance(network.governanceAddress, provider) as BaseContract;
      const [proposals, votesToPass, members] = await Promise.all([
        Promise.all(ids.map((id) => readProposal(contract, id))),
        contract.getFunction('votesToPass')(),
        contract.getFunction('memberCount')(),
      ]);
      return { proposals, votesToPass: Number(votesToPass), members: Number(members) };
    }),
    governance.listExecutions(network.id),
    Promise.all(ids.map((id) => governance.getOrigin(network.id, id))),
  ]);
  return chain.proposals.map((proposal, i) =>
    toProposalView(
      network.id,
      proposal,
      chain,
      origins[i],
      executions.find((e) => e.proposalId === proposal.id),
    ),
  );
}

export async function readConsortium(network: GovernedNetwork, endpoint: ChainEndpoint) {
  const view = await readGovernance(endpoint, async (provider) => {
    const contract = connectConsortiumGovernance(network.governanceAddress, provider) as BaseContract;
    const [members, validators, votesToPass] = await Promise.all([
      readMembers(contract),
      readValidators(contract),
      contract.getFunction('votesToPass')(),
    ]);
    return { members, validators, votesToPass: Number(votesToPass) };
  });
  return {
    networkId: network.id,
    address: network.governanceAddress,
    members: view.members.map((m) => ({ address: m.address, orgId: m.orgId ?? null, admittedAt: m.admittedAt })),
    validators: view.validators,
    votesToPass: view.votesToPass,
  };
}

function toProposalView(
  networkId: string,
  proposal: GovernanceProposal,
  tally: { votesToPass: number; members: number },
  origin: ProposalOrigin | undefined,
  execution: DecisionExecution | undefined,
): ProposalView {
  return {
    id: proposal.id,
    networkId,
    kind: proposal.kind,
    state: proposal.state,
    subject: proposal.subject,
    orgId: proposal.orgId ?? origin?.subjectOrgId ?? null,
    proposer: proposal.proposer,
    proposerOrgId: origin?.orgId ?? null,
    createdAt: proposal.createdAt,
    expiresAt: proposal.expiresAt,
    executedAt: proposal.executedAt ?? null,
    tally: { yes: proposal.yesVotes, no: proposal.noVotes, votesToPass: tally.votesToPass, members: tally.members },
    transactionHash: origin?.transactionHash ?? null,
    execution: execution ? toExecutionView(execution) : null,
  };
}

/** The execution record as tenants see it: never `lastError`, which can name internal endpoints. */
function toExecutionView(execution: DecisionExecution): NonNullable<ProposalView['execution']> {
  const offboarding = execution.offboarding;
  return {
    state: execution.state,
    code: execution.code ?? null,
    reason: execution.reason ?? null,
    consensus: execution.consensus ?? null,
    validatorsAfter: execution.validatorsAfter ? [...execution.validatorsAfter] : null,
    markExecutedTransaction: execution.markExecutedTransaction ?? null,
    offboarding: offboarding
      ? {
          orgId: offboarding.orgId ?? null,
          validators: offboarding.validators.map((v) => ({
            address: v.address,
            outcome: v.outcome,
            code: v.code ?? null,
            reason: v.reason ?? null,
          })),
          signingKeysDisabled: [...offboarding.signingKeysDisabled],
          apiKeysRevoked: [...offboarding.apiKeysRevoked],
          nodesStopped: [...offboarding.nodesStopped],
          nodesKept: offboarding.nodesKept.map((k) => ({ nodeId: k.nodeId, reason: k.reason })),
        }
      : null,
    note: execution.note ?? null,
    attempts: execution.attempts,
    updatedAt: execution.updatedAt,
  };
}
