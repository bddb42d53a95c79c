/**
 * The consortium's proposals, newest first: what each asks, its state, the tally against the votes needed, the
 * time left to vote and, for decisions the control plane carries out, how that went.
 */
import { Link } from 'react-router';
import type { Proposal, Proposals } from '../../api/api-types.ts';
import { EXECUTION_STATE_LABELS, PROPOSAL_STATE_LABELS } from '../../api/labels.ts';
import { formatDate } from '../../components/format.ts';
import { StatusBadge } from '../../components/status-badge.tsx';
import { useConsortium } from './consortium-scope.tsx';
import { describeProposal, tallyWords, timeLeft } from './proposal-words.ts';

export function ProposalStateCell({ proposal }: { readonly proposal: Proposal }) {
  const state = PROPOSAL_STATE_LABELS[proposal.state];
  const execution = proposal.execution && EXECUTION_STATE_LABELS[proposal.execution.state];
  return (
    <>
      <StatusBadge label={state.label} tone={state.tone} />
      {execution && proposal.execution?.state !== 'executed' && (
        <div className="cell-note">
          <StatusBadge label={execution.label} tone={execution.tone} />
        </div>
      )}
      {proposal.execution?.reason && <div className="cell-note">{proposal.execution.reason}</div>}
    </>
  );
}

export function ProposalsPanel({
  proposals,
  onOlder,
}: {
  readonly proposals: Proposals;
  /** Shows older proposals too; absent when there are none (or as many as the page lists). */
  readonly onOlder?: (() => void) | undefined;
}) {
  const { base } = useConsortium();
  return (
    <section className="card" aria-labelledby="proposals-heading">
      <h2 id="proposals-heading">Proposals</h2>
      {proposals.items.length === 0 ? (
        <p className="muted">No proposals yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="proposals-table">
            <caption className="visually-hidden">Proposals, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Proposal</th>
                <th scope="col">State</th>
                <th scope="col">Votes</th>
                <th scope="col" className="col-optional">
                  Time left
                </th>
                <th scope="col" className="col-optional">
                  Proposed by
                </th>
              </tr>
            </thead>
            <tbody>
              {proposals.items.map((proposal) => (
                <tr key={proposal.id}>
                  <td>
                    <Link to={`${base}/proposals/${proposal.id}`}>
                      {proposal.id}. {describeProposal(proposal)}
                    </Link>
                    <div className="cell-note">{formatDate(proposal.createdAt)}</div>
                  </td>
                  <td>
                    <ProposalStateCell proposal={proposal} />
                  </td>
                  <td>{tallyWords(proposal)}</td>
                  <td className="col-optional">{timeLeft(proposal)}</td>
                  <td className="col-optional">{proposal.proposerOrgName ?? proposal.proposerOrgId ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {onOlder && (
        <div className="button-row">
          <button type="button" className="button" onClick={onOlder}>
            Show older proposals
          </button>
        </div>
      )}
    </section>
  );
}
