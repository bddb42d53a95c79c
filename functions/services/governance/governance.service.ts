/**
 * Consortium governance as the API offers it: the consortium and its proposals read from the network's
 * ConsortiumGovernance contract (joined with what only the control plane knows), proposals and votes sent as the
 * acting party (governance-acting.ts), and an operator's renewed attempt at a refused or partial decision. The
 * contract's refusals come back as named errors (403/404/409 with its reason).
 */
import type { TransactionReceipt } from 'ethers';
import {
  connectConsortiumGovernance,
  consortiumGovernanceInterface,
  orgRefFromOrgId,
  readMembers,
  readProposalCount,
} from '../../../shared/chain/contracts/consortium-governance.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import {
  BadRequestError,
  InvalidStateError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from '../../../shared/errors.ts';
import type { CastVote, CreateProposal, ProposalView } from '../../../shared/schemas/governance.schemas.ts';
import type { DecisionExecution, GovernanceRepository } from '../../../shared/store/governance.repository.ts';
import { appendAudit, type ChangeAuthor } from '../audit/audit-trail.ts';
import type { ChainEndpoint } from './chain-endpoints.ts';
import {
  actingParty,
  anyEndpoint,
  type GovernanceActingDeps,
  type GovernanceCaller,
  type GovernedNetwork,
  sendAs,
} from './governance-acting.ts';
import { readGovernance } from './governance-chain.ts';
import { type DeployedGovernance, ensureGovernanceDeployed } from './governance-deployer.ts';
import type { GovernanceJobDeps } from './governance-deps.ts';
import { readGovernanceTransaction } from './governance-transaction.ts';
import { resolveSubject } from './proposal-subject.ts';
import { readConsortium, readProposalViews, readProposalVotes, type ViewStores } from './proposal-views.ts';

export interface GovernanceServiceDeps extends GovernanceActingDeps {
  readonly governance: GovernanceRepository;
  /** What the deployer and the decision executor need. */
  readonly jobDeps: GovernanceJobDeps;
  /** Carries out a refused or partial decision again (the decision executor's retry). */
  readonly retryDecision: (deployed: DeployedGovernance, proposalId: number) => Promise<DecisionExecution>;
}

const PROPOSE_CALLS: Record<CreateProposal['kind'], string> = {
  'admit-member': 'proposeAdmitMember',
  'remove-member': 'proposeRemoveMember',
  'add-validator': 'proposeAddValidator',
  'remove-validator': 'proposeRemoveValidator',
};

export class GovernanceService {
  constructor(private readonly deps: GovernanceServiceDeps) {}

  async consortium(networkId: string) {
    const network = await this.governedNetwork(networkId);
    return readConsortium(this.viewStores, network, await anyEndpoint(this.deps.stores, network));
  }

  /** A page of proposals, newest first; the cursor is the id below which the next page starts. */
  async proposals(networkId: string, page: { limit: number; cursor: string | undefined }) {
    const network = await this.governedNetwork(networkId);
    const endpoint = await anyEndpoint(this.deps.stores, network);
    const count = await readGovernance(endpoint, async (provider) =>
      readProposalCount(await connectConsortiumGovernance(network.governanceAddress, provider)),
    );
    let below = count + 1;
    if (page.cursor !== undefined) {
      if (!/^\d{1,15}$/.test(page.cursor)) throw new BadRequestError('The cursor is not one this API returned');
      below = Math.min(Number(page.cursor), below);
    }
    const ids: number[] = [];
    for (let id = below - 1; id >= 1 && ids.length < page.limit; id--) ids.push(id);
    const items = await this.views(network, endpoint, ids);
    const last = ids.at(-1);
    return { items, nextCursor: last !== undefined && last > 1 ? String(last) : null };
  }

  async proposal(networkId: string, proposalId: number): Promise<ProposalView> {
    const network = await this.governedNetwork(networkId);
    return this.view(network, await anyEndpoint(this.deps.stores, network), proposalId);
  }

  /** The votes on a proposal in the order cast, each with its transaction; 404 for a proposal that does not exist. */
  async votes(networkId: string, proposalId: number) {
    await this.proposal(networkId, proposalId);
    return readProposalVotes(this.viewStores, networkId, proposalId);
  }

  /** A governance transaction's receipt and events; any other hash reads as unknown (404). */
  async transaction(networkId: string, hash: string) {
    const network = await this.governedNetwork(networkId);
    const transaction = await readGovernanceTransaction(network, await anyEndpoint(this.deps.stores, network), hash);
    if (!transaction) throw new NotFoundError('No governance transaction with that hash on this network');
    return transaction;
  }

  /** Proposes as the acting party; answers once the transaction is mined, with the proposal as the contract has it. */
  async propose(caller: GovernanceCaller, networkId: string, body: CreateProposal): Promise<ProposalView> {
    const network = await this.governedNetwork(networkId);
    const who = await actingParty(this.deps, caller, body, network);
    const stores = { ...this.deps.stores, governance: this.deps.governance };
    const subject = await resolveSubject(stores, network, body, () =>
      readGovernance(who.endpoint, async (provider) =>
        readMembers(await connectConsortiumGovernance(network.governanceAddress, provider)),
      ),
    );
    const period = body.votingPeriodSeconds ?? 0;
    const args =
      body.kind === 'admit-member'
        ? [subject.address, orgRefFromOrgId(subject.orgId), period]
        : [subject.address, period];
    const details = { networkId: network.id, kind: body.kind, subject: subject.address, subjectOrgId: subject.orgId };
    const sent = await sendAs(
      who,
      network,
      { method: PROPOSE_CALLS[body.kind], args },
      { action: 'governance.proposal-refused', target: `${network.id}/proposals`, details },
    );
    const proposalId = createdProposalId(sent.receipt);
    await this.deps.governance.recordOrigin({
      networkId: network.id,
      proposalId,
      kind: body.kind,
      orgId: who.orgId,
      keyId: who.keyId,
      proposer: who.account.address,
      subjectOrgId: subject.orgId,
      nodeId: subject.nodeId,
      transactionHash: sent.hash,
      createdAt: this.deps.clock().toISOString(),
    });
    await appendAudit(this.deps, who.author.requestId, {
      orgId: who.orgId,
      actor: who.author.actor,
      action: 'governance.proposal-created',
      target: `${network.id}/proposals/${proposalId}`,
      details: { ...details, proposalId, proposer: who.account.address, transactionHash: sent.hash },
    });
    return this.view(network, who.endpoint, proposalId);
  }

  /** Votes as the acting party (one vote per member, as the contract has it). */
  async vote(caller: GovernanceCaller, networkId: string, proposalId: number, body: CastVote) {
    const network = await this.governedNetwork(networkId);
    const who = await actingParty(this.deps, caller, body, network);
    const target = `${network.id}/proposals/${proposalId}`;
    const details = { networkId: network.id, proposalId, support: body.support };
    const sent = await sendAs(
      who,
      network,
      { method: 'vote', args: [proposalId, body.support] },
      { action: 'governance.vote-refused', target, details },
    );
    // Recorded at once, with the signing organisation, so the proposal's page lists the vote before the watcher
    // reads its block.
    await this.deps.stores.governanceVotes.record({
      networkId: network.id,
      proposalId,
      voter: who.account.address,
      support: body.support,
      transactionHash: sent.hash,
      blockNumber: sent.receipt.blockNumber,
      orgId: who.orgId,
      castAt: this.deps.clock().toISOString(),
    });
    await appendAudit(this.deps, who.author.requestId, {
      orgId: who.orgId,
      actor: who.author.actor,
      action: 'governance.vote-cast',
      target,
      details: { ...details, voter: who.account.address, transactionHash: sent.hash },
    });
    return {
      voter: who.account.address,
      support: body.support,
      transactionHash: sent.hash,
      proposal: await this.view(network, who.endpoint, proposalId),
    };
  }

  /** An operator's renewed attempt at a refused or partial decision; the BFT safety check runs again. */
  async retryExecution(operator: ChangeAuthor, networkId: string, proposalId: number): Promise<ProposalView> {
    const network = await this.governedNetwork(networkId);
    const deployed = await ensureGovernanceDeployed(this.deps.jobDeps, network);
    if (!deployed) throw new ServiceUnavailableError('No node of this network runs now');
    const execution = await this.deps.retryDecision(deployed, proposalId);
    await appendAudit(this.deps, operator.requestId, {
      orgId: PLATFORM_ORG_ID,
      actor: operator.actor,
      action: 'governance.execution-retried',
      target: `${network.id}/proposals/${proposalId}`,
      details: { networkId: network.id, proposalId, state: execution.state, code: execution.code },
    });
    return this.view(network, await anyEndpoint(this.deps.stores, network), proposalId);
  }

  private async governedNetwork(networkId: string): Promise<GovernedNetwork> {
    const network = await this.deps.stores.networks.get(networkId);
    if (!network) throw new NotFoundError('No such network');
    if (!network.governanceAddress) {
      throw new InvalidStateError(
        'The network’s governance contract is not deployed yet: the control plane deploys it once a node of the ' +
          'network runs',
      );
    }
    return network as GovernedNetwork;
  }

  private get viewStores(): ViewStores {
    return { ...this.deps.stores, governance: this.deps.governance };
  }

  private views(network: GovernedNetwork, endpoint: ChainEndpoint, ids: number[]) {
    return readProposalViews(this.viewStores, network, endpoint, ids);
  }

  private async view(network: GovernedNetwork, endpoint: ChainEndpoint, proposalId: number): Promise<ProposalView> {
    const [view] = await this.views(network, endpoint, [proposalId]);
    return view as ProposalView;
  }
}

function createdProposalId(receipt: TransactionReceipt): number {
  for (const log of receipt.logs) {
    const parsed = consortiumGovernanceInterface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed?.name === 'ProposalCreated') return Number(parsed.args.getValue('id'));
  }
  throw new ValidationError(`Transaction ${receipt.hash} created no proposal`);
}
