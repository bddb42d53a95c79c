/**
 * One proposal: what it asks and who proposed it, its state, the tally against the votes needed and the time
 * left, the votes cast (each with its transaction), voting, and, once decided, how the control plane carried it
 * out. Read again every few seconds while open, so other members' votes appear as they are mined.
 */
import { Link, useLocation, useParams } from 'react-router';
import type { Governance, Proposal, ProposalVotes } from '../../api/api-types.ts';
import { PROPOSAL_KIND_LABELS } from '../../api/labels.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatDateTime } from '../../components/format.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonBlock, SkeletonRows } from '../../components/skeleton.tsx';
import { LIVE_POLL_MS, useConsortium } from './consortium-scope.tsx';
import { ExecutionPanel } from './execution-panel.tsx';
import { describeProposal, tallyWords, timeLeft } from './proposal-words.ts';
import { ProposalStateCell } from './proposals-panel.tsx';
import { TransactionLink } from './transaction-link.tsx';
import { useSigners } from './use-signers.ts';
import { VotePanel } from './vote-panel.tsx';

function VotesTable({ votes }: { readonly votes: ProposalVotes }) {
  if (votes.items.length === 0) return <p className="muted">No votes yet.</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="votes-table">
        <caption className="visually-hidden">Votes, in the order they were cast</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Vote</th>
            <th scope="col">Transaction</th>
          </tr>
        </thead>
        <tbody>
          {votes.items.map((vote) => (
            <tr key={vote.voter}>
              <td>
                {vote.orgName ?? vote.orgId ?? 'Unknown organisation'}
                <div className="cell-note">{formatDateTime(vote.castAt)}</div>
              </td>
              <td>{vote.support ? 'Yes' : 'No'}</td>
              <td>
                <TransactionLink hash={vote.transactionHash} label="Vote transaction" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ProposalPage() {
  const { networkId, base, acting } = useConsortium();
  const { proposalId = '' } = useParams();
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const live = { poll: () => LIVE_POLL_MS };
  const path = `/v1/networks/${networkId}/proposals/${proposalId}`;
  const proposal = useResource<Proposal>(path, live);
  const votes = useResource<ProposalVotes>(`${path}/votes`, live);
  const governance = useResource<Governance>(`/v1/networks/${networkId}/governance`);
  const signers = useSigners(acting, governance.data);
  const data = proposal.data;
  return (
    <>
      <p className="breadcrumb">
        <Link to={base}>Consortium</Link> <span aria-hidden="true">/</span>
      </p>
      <PageHeader
        title={data ? `Proposal ${data.id}: ${describeProposal(data)}` : `Proposal ${proposalId}`}
        description={data ? PROPOSAL_KIND_LABELS[data.kind] : undefined}
      />
      {notice && (
        <div className="notice notice-info" role="status">
          <p>{notice}</p>
        </div>
      )}
      {proposal.error && <ErrorMessage error={proposal.error} />}
      {proposal.loading && <SkeletonBlock height={240} label="Loading the proposal" />}
      {data && (
        <div className="stack">
          <section className="card" aria-labelledby="summary-heading">
            <h2 id="summary-heading" className="visually-hidden">
              Summary
            </h2>
            <dl className="facts" data-testid="proposal-facts">
              <div>
                <dt>State</dt>
                <dd data-testid="proposal-state">
                  <ProposalStateCell proposal={data} />
                </dd>
              </div>
              <div>
                <dt>Votes</dt>
                <dd data-testid="proposal-tally">{tallyWords(data)}</dd>
              </div>
              <div>
                <dt>Time left</dt>
                <dd>{timeLeft(data)}</dd>
              </div>
              <div>
                <dt>About</dt>
                <dd>
                  {data.orgName ?? data.orgId ?? '—'}
                  <div className="cell-note mono break">{data.subject}</div>
                </dd>
              </div>
              <div>
                <dt>Proposed by</dt>
                <dd>
                  {data.proposerOrgName ?? data.proposerOrgId ?? 'Unknown organisation'}
                  <div className="cell-note">{formatDateTime(data.createdAt)}</div>
                </dd>
              </div>
              {data.state === 'active' && (
                <div>
                  <dt>Voting open until</dt>
                  <dd>{formatDateTime(data.expiresAt)}</dd>
                </div>
              )}
              {data.executedAt && (
                <div>
                  <dt>Carried out</dt>
                  <dd>{formatDateTime(data.executedAt)}</dd>
                </div>
              )}
              {data.transactionHash && (
                <div>
                  <dt>Proposed in</dt>
                  <dd>
                    <TransactionLink hash={data.transactionHash} label="Proposal transaction" />
                  </dd>
                </div>
              )}
            </dl>
          </section>
          <VotePanel proposal={data} votes={votes.data} signers={signers} onVoted={() => void proposal.reload()} />
          <section className="card" aria-labelledby="votes-heading">
            <h2 id="votes-heading">Votes</h2>
            {votes.error && <ErrorMessage error={votes.error} />}
            {votes.loading && <SkeletonRows rows={2} label="Loading votes" />}
            {votes.data && <VotesTable votes={votes.data} />}
          </section>
          <ExecutionPanel proposal={data} onChanged={() => void proposal.reload()} />
        </div>
      )}
    </>
  );
}
