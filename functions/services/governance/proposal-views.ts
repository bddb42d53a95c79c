/**
 * The read side of governance for the API: proposals as the contract has them (state, tally), joined with what
 * only the control plane knows (who proposed through the API, organisations' names, how a passed decision was
 * carried out), the consortium itself (members with the proposal that admitted them, validators with who runs
 * them, votes needed to pass), and each proposal's votes with the transactions that cast them.
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
import type { NodeRecord } from '../../../shared/domain/node.ts';
import type { GovernanceView, ProposalView, ProposalVoteList } from '../../../shared/schemas/governance.schemas.ts';
import type { DecisionExecution, ProposalOrigin } from '../../../shared/store/governance.repository.ts';
import type { GovernanceVotesRepository } from '../../../shared/store/governance-votes.repository.ts';
import type { ChainEndpoint } from './chain-endpoints.ts';
import { type ConsortiumDirectory, type DirectoryStores, loadConsortiumDirectory } from './consortium-directory.ts';
import { readGovernance } from './governance-chain.ts';

type GovernedNetwork = Network & { readonly governanceAddress: string };

export interface ViewStores extends DirectoryStores {
  readonly governanceVotes: GovernanceVotesRepository;
  readonly nodes: { listByNetwork(networkId: string): Promise<NodeRecord[]> };
}

export async function readProposalViews(
  stores: ViewStores,
  network: GovernedNetwork,
  endpoint: ChainEndpoint,
  ids: readonly number[],
): Promise<ProposalView[]> {
  const governance = stores.governance;
  const [chain, executions, origins] = await Promise.all([
    readGovernance(endpoint, async (provider) => {
      const contract: BaseContract = await connectConsortiumGovernance(network.governanceAddress, provider);
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
  const directory = await loadConsortiumDirectory(stores, network.id, [
    ...chain.proposals.map((p) => p.orgId),
    ...origins.flatMap((o) => [o?.orgId, o?.subjectOrgId]),
  ]);
  return chain.proposals.map((proposal, i) =>
    toProposalView(
      network.id,
      proposal,
      chain,
      origins[i],
      executions.find((e) => e.proposalId === proposal.id),
      directory,
    ),
  );
}

/** The votes on one proposal with their transactions; the voter's organisation from the vote or the member records. */
export async function readProposalVotes(
  stores: ViewStores,
  networkId: string,
  proposalId: number,
): Promise<ProposalVoteList> {
  const votes = await stores.governanceVotes.list(networkId, proposalId);
  const directory = await loadConsortiumDirectory(
    stores,
    networkId,
    votes.map((v) => v.orgId),
  );
  return {
    items: votes.map((vote) => {
      const orgId = vote.orgId ?? directory.orgOf(vote.voter) ?? null;
      return {
        voter: vote.voter,
        orgId,
        orgName: directory.nameOf(orgId),
        support: vote.support,
        transactionHash: vote.transactionHash,
        blockNumber: vote.blockNumber ?? null,
        castAt: vote.castAt,
      };
    }),
  };
}

export async function readConsortium(
  stores: ViewStores,
  network: GovernedNetwork,
  endpoint: ChainEndpoint,
): Promise<GovernanceView> {
  const view = await readGovernance(endpoint, async (provider) => {
    const contract: BaseContract = await connectConsortiumGovernance(network.governanceAddress, provider);
    const [members, validators, votesToPass] = await Promise.all([
      readMembers(contract),
      readValidators(contract),
      contract.getFunction('votesToPass')(),
    ]);
    return { members, validators, votesToPass: Number(votesToPass) };
  });
  const [bindings, nodes] = await Promise.all([
    stores.governance.listValidatorBindings(network.id),
    stores.nodes.listByNetwork(network.id),
  ]);
  const directory = await loadConsortiumDirectory(stores, network.id, [
    ...view.members.map((m) => m.orgId),
    ...bindings.map((b) => b.orgId),
    ...nodes.map((n) => n.orgId),
  ]);
  const same = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();
  const genesis = new Set(network.validators.map((v) => v.toLowerCase()));
  return {
    networkId: network.id,
    address: network.governanceAddress,
    members: view.members.map((m) => {
      const orgId = m.orgId ?? directory.orgOf(m.address) ?? null;
      const admittedBy = directory.admittedBy(m.address);
      return {
        address: m.address,
        orgId,
        orgName: directory.nameOf(orgId),
        admittedAt: m.admittedAt,
        admittedByProposal: admittedBy ? admittedBy : null,
        founding: admittedBy === 0,
      };
    }),
    validators: view.validators,
    validatorDetails: view.validators.map((address) => {
      const binding = bindings.find((b) => same(b.address, address));
      const node = nodes.find((n) => n.id === binding?.nodeId || same(n.validatorAddress, address));
      const orgId = node?.orgId ?? binding?.orgId ?? null;
      return {
        address,
        orgId,
        orgName: directory.nameOf(orgId),
        nodeId: node?.id ?? binding?.nodeId ?? null,
        addedByProposal: binding?.proposalId ?? null,
        genesis: genesis.has(address.toLowerCase()),
      };
    }),
    votesToPass: view.votesToPass,
  };
}

function toProposalView(
  networkId: string,
  proposal: GovernanceProposal,
  tally: { votesToPass: number; members: number },
  origin: ProposalOrigin | undefined,
  execution: DecisionExecution | undefined,
  directory: ConsortiumDirectory,
): ProposalView {
  const orgId = proposal.orgId ?? origin?.subjectOrgId ?? directory.orgOf(proposal.subject) ?? null;
  const proposerOrgId = origin?.orgId ?? directory.orgOf(proposal.proposer) ?? null;
  return {
    id: proposal.id,
    networkId,
    kind: proposal.kind,
    state: proposal.state,
    subject: proposal.subject,
    orgId,
    orgName: directory.nameOf(orgId),
    proposer: proposal.proposer,
    proposerOrgId,
    proposerOrgName: directory.nameOf(proposerOrgId),
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
