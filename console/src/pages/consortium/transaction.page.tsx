/**
 * One governance transaction, read through the API with the session: state, block, sender and the contract's
 * events, decoded. The console cannot link to the gateway for this (a gateway URL needs an API key, which must
 * never sit in a link), so it shows the receipt itself and how to fetch it through the gateway with a key.
 */
import { Link, useParams } from 'react-router';
import type { GovernanceTransaction } from '../../api/api-types.ts';
import { useResource } from '../../api/use-resource.ts';
import { CopyableValue } from '../../components/copy-button.tsx';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatDateTime } from '../../components/format.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonBlock } from '../../components/skeleton.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { useConsortium } from './consortium-scope.tsx';

const STATE_LABELS = {
  pending: { label: 'Waiting to be mined', tone: 'busy' },
  succeeded: { label: 'Succeeded', tone: 'ok' },
  reverted: { label: 'Reverted', tone: 'bad' },
} as const;

export function TransactionPage() {
  const { networkId, base, acting } = useConsortium();
  const { hash = '' } = useParams();
  const transaction = useResource<GovernanceTransaction>(`/v1/networks/${networkId}/transactions/${hash}`, {
    poll: (data) => (data?.state === 'pending' ? 2000 : undefined),
  });
  const data = transaction.data;
  const gateway = `${window.location.origin}/rpc/<node id>/$CARECHAIN_API_KEY`;
  return (
    <>
      <p className="breadcrumb">
        <Link to={base}>Consortium</Link> <span aria-hidden="true">/</span>
      </p>
      <PageHeader title="Governance transaction" />
      <CopyableValue value={hash} label="Copy hash" />
      {transaction.error && <ErrorMessage error={transaction.error} />}
      {transaction.loading && <SkeletonBlock height={160} label="Loading the transaction" />}
      {data && (
        <div className="stack">
          <section className="card" aria-labelledby="receipt-heading">
            <div className="card-heading">
              <h2 id="receipt-heading">Receipt</h2>
              <StatusBadge label={STATE_LABELS[data.state].label} tone={STATE_LABELS[data.state].tone} />
            </div>
            <dl className="facts">
              <div>
                <dt>Block</dt>
                <dd>{data.blockNumber ?? '—'}</dd>
              </div>
              <div>
                <dt>Mined</dt>
                <dd>{formatDateTime(data.minedAt)}</dd>
              </div>
              <div>
                <dt>From</dt>
                <dd className="mono break small">{data.from}</dd>
              </div>
              <div>
                <dt>To</dt>
                <dd className="mono break small">{data.to ?? 'contract creation'}</dd>
              </div>
            </dl>
          </section>
          <section className="card" aria-labelledby="events-heading">
            <h2 id="events-heading">Events</h2>
            {data.events.length === 0 && <p className="muted">The transaction emitted no governance events.</p>}
            <ul className="plain-list">
              {data.events.map((event, index) => (
                // Events have no id of their own; their position in the receipt is stable.
                // biome-ignore lint/suspicious/noArrayIndexKey: see above
                <li key={index} className="event">
                  <strong>{event.name}</strong>
                  <dl className="facts">
                    {Object.entries(event.args).map(([name, value]) => (
                      <div key={name}>
                        <dt>{name}</dt>
                        <dd className="mono break small">{value}</dd>
                      </div>
                    ))}
                  </dl>
                </li>
              ))}
            </ul>
          </section>
          <section className="card" aria-labelledby="gateway-heading">
            <h2 id="gateway-heading">Check it on your node</h2>
            <p>
              Any node of the network holds this transaction. Through the JSON-RPC gateway, with an API key that has the
              rpc scope
              {acting.kind === 'organisation' && (
                <>
                  {' '}
                  (<Link to={`/orgs/${acting.orgId}/api-keys`}>API keys</Link>) and one of your{' '}
                  <Link to={`/orgs/${acting.orgId}/nodes`}>managed nodes</Link>
                </>
              )}
              :
            </p>
            <CopyableValue value={`cast receipt ${hash} --rpc-url "${gateway}"`} label="Copy command" />
          </section>
        </div>
      )}
    </>
  );
}
