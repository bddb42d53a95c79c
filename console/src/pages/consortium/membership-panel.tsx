/**
 * The acting party's own place in the consortium: the member keys it signs with, or, for an organisation that is
 * not a member yet, how to become one (which details to give a member, who then proposes and the members vote).
 */
import { Link } from 'react-router';
import type { Governance } from '../../api/api-types.ts';
import { CopyableValue } from '../../components/copy-button.tsx';
import { formatDate } from '../../components/format.ts';
import { useConsortium } from './consortium-scope.tsx';
import type { Signers } from './use-signers.ts';

export function MembershipPanel({
  governance,
  signers,
}: {
  readonly governance: Governance;
  readonly signers: Signers;
}) {
  const { acting, base } = useConsortium();
  const memberOf = (address: string) =>
    governance.members.find((m) => m.address.toLowerCase() === address.toLowerCase());
  return (
    <section className="card" aria-labelledby="membership-heading">
      <h2 id="membership-heading">
        {acting.kind === 'platform' ? 'Acting for CareChain' : `${acting.orgName} in the consortium`}
      </h2>
      {signers.choices.length > 0 && (
        <>
          <p data-testid="membership-state">
            {acting.kind === 'platform'
              ? 'You act for the platform, the consortium’s founding member, and sign with its key.'
              : `${acting.orgName} is a member and signs with ${signers.choices.length === 1 ? 'this key' : 'these keys'}.`}
          </p>
          <ul className="plain-list">
            {signers.choices.map((choice) => {
              const member = memberOf(choice.address);
              return (
                <li key={choice.id} className="list-row">
                  <span>
                    <strong>{choice.label}</strong> <span className="mono break small">{choice.address}</span>
                  </span>
                  <span className="muted small">
                    {member?.admittedByProposal ? (
                      <>
                        admitted {formatDate(member.admittedAt)} by{' '}
                        <Link to={`${base}/proposals/${member.admittedByProposal}`}>
                          proposal {member.admittedByProposal}
                        </Link>
                      </>
                    ) : member?.founding ? (
                      'founding member'
                    ) : null}
                  </span>
                </li>
              );
            })}
          </ul>
        </>
      )}
      {acting.kind === 'organisation' && signers.choices.length === 0 && !signers.loading && (
        <div id="how-to-join" data-testid="how-to-join">
          <p data-testid="membership-state">{acting.orgName} is not a member yet. To join:</p>
          <ol>
            <li>
              {signers.noKeys ? (
                <>
                  <Link to={`/orgs/${acting.orgId}/keys`}>Create a signing key</Link> for the consortium.
                </>
              ) : (
                'Choose the signing key that will vote for your organisation.'
              )}
            </li>
            <li>Send a member organisation (or CareChain) your organisation id and that key’s address.</li>
            <li>A member proposes admitting you; once more than half of the members vote yes, you are a member.</li>
          </ol>
          <p className="result-label">Your organisation id</p>
          <CopyableValue value={acting.orgId} label="Copy organisation id" />
          {signers.otherKeys.map((key) => (
            <div key={key.id}>
              <p className="result-label">Address of key {key.alias}</p>
              <CopyableValue value={key.address} label={`Copy address of ${key.alias}`} />
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
