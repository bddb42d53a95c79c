/**
 * The consortium's members (organisation, address, admitted when and by which proposal) and validators (who runs
 * them, whether the genesis named them or a proposal added them), as the contract records them.
 */
import { Link } from 'react-router';
import type { Governance } from '../../api/api-types.ts';
import { formatDateTime } from '../../components/format.ts';
import { useConsortium } from './consortium-scope.tsx';

export function MembersPanel({ governance }: { readonly governance: Governance }) {
  const { base } = useConsortium();
  return (
    <section className="card" aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      <p className="muted small">
        {governance.members.length} {governance.members.length === 1 ? 'member' : 'members'}; a proposal passes with{' '}
        {governance.votesToPass} yes {governance.votesToPass === 1 ? 'vote' : 'votes'} (more than half).
      </p>
      <div className="table-wrap">
        <table className="table" data-testid="members-table">
          <caption className="visually-hidden">Members of the consortium</caption>
          <thead>
            <tr>
              <th scope="col">Organisation</th>
              <th scope="col">Admitted</th>
            </tr>
          </thead>
          <tbody>
            {governance.members.map((member) => (
              <tr key={member.address}>
                <td>
                  {member.orgName ?? member.orgId ?? 'Unknown organisation'}
                  <div className="cell-note mono break">{member.address}</div>
                </td>
                <td>
                  {formatDateTime(member.admittedAt)}
                  <div className="cell-note">
                    {member.admittedByProposal ? (
                      <Link to={`${base}/proposals/${member.admittedByProposal}`}>
                        by proposal {member.admittedByProposal}
                      </Link>
                    ) : member.founding ? (
                      'founding member'
                    ) : null}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function ValidatorsPanel({ governance }: { readonly governance: Governance }) {
  const { base } = useConsortium();
  return (
    <section className="card" aria-labelledby="validators-heading">
      <h2 id="validators-heading">Validators</h2>
      <p className="muted small">
        The nodes that seal blocks. Changes pass a vote, then a safety check that the network keeps its fault tolerance.
      </p>
      {governance.validatorDetails.length === 0 ? (
        <p className="muted">The contract records no validators.</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Validators of the network</caption>
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col">Run by</th>
                <th scope="col" className="col-optional">
                  Since
                </th>
              </tr>
            </thead>
            <tbody>
              {governance.validatorDetails.map((validator) => (
                <tr key={validator.address}>
                  <td className="mono break small">{validator.address}</td>
                  <td>{validator.orgName ?? validator.orgId ?? (validator.genesis ? 'Named at genesis' : '—')}</td>
                  <td className="col-optional">
                    {validator.addedByProposal ? (
                      <Link to={`${base}/proposals/${validator.addedByProposal}`}>
                        proposal {validator.addedByProposal}
                      </Link>
                    ) : validator.genesis ? (
                      'genesis'
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
