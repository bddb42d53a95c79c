/**
 * Operators: one network, its health (state, validators, block times, incidents and recovery), its facts and the
 * genesis.json the control plane generated for it (what every Besu node of the network starts from), its rolling
 * Besu upgrades and its backups, with the way to its consortium.
 */
import { Link, useLocation, useParams } from 'react-router';
import type { Network } from '../../api/api-types.ts';
import { useResource } from '../../api/use-resource.ts';
import { CopyButton } from '../../components/copy-button.tsx';
import { downloadFile } from '../../components/download.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatDateTime } from '../../components/format.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonBlock } from '../../components/skeleton.tsx';
import { NetworkBackupsPanel } from './network-backups-panel.tsx';
import { NetworkHealthPanel } from './network-health-panel.tsx';
import { NetworkUpgradesPanel } from './network-upgrades-panel.tsx';

export function NetworkDetailPage() {
  const { networkId = '' } = useParams();
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const network = useResource<Network>(`/v1/networks/${networkId}`, {
    // Governance is deployed once a node runs: look again until it is.
    poll: (data) => (data && !data.consentLedgerAddress ? 5000 : undefined),
  });
  const genesis = useResource<Record<string, unknown>>(`/v1/networks/${networkId}/genesis`);
  const data = network.data;
  const genesisText = genesis.data ? JSON.stringify(genesis.data, null, 2) : '';
  return (
    <>
      <p className="breadcrumb">
        <Link to="/ops/networks">Networks</Link> <span aria-hidden="true">/</span>
      </p>
      <PageHeader
        title={data?.name ?? 'Network'}
        actions={
          data?.governanceAddress && (
            <Link className="button" to={`/ops/networks/${networkId}/consortium`}>
              Consortium
            </Link>
          )
        }
      />
      {notice && (
        <div className="notice notice-ok" role="status">
          <p>{notice}</p>
        </div>
      )}
      <ErrorMessage error={network.error} />
      {network.loading && <SkeletonBlock height={160} label="Loading the network" />}
      {data && (
        <div className="stack">
          <NetworkHealthPanel networkId={networkId} />
          <section className="card" aria-labelledby="network-facts-heading">
            <h2 id="network-facts-heading">Details</h2>
            <dl className="facts">
              <div>
                <dt>Chain id</dt>
                <dd>{data.chainId}</dd>
              </div>
              <div>
                <dt>Consensus</dt>
                <dd>{data.consensus.toUpperCase()}</dd>
              </div>
              <div>
                <dt>Block period</dt>
                <dd>{data.blockPeriodSeconds} s</dd>
              </div>
              <div>
                <dt>Created</dt>
                <dd>{formatDateTime(data.createdAt)}</dd>
              </div>
              <div>
                <dt>Governance contract</dt>
                <dd className="mono break small">{data.governanceAddress ?? 'deployed once a node of it runs'}</dd>
              </div>
              <div>
                <dt>DID registry (did:ethr)</dt>
                <dd className="mono break small">
                  {data.didRegistryAddress ?? 'deployed after the governance contract'}
                </dd>
              </div>
              <div>
                <dt>Consent ledger</dt>
                <dd className="mono break small">
                  {data.consentLedgerAddress ?? 'deployed after the governance contract'}
                </dd>
              </div>
            </dl>
            <h3>Genesis validators</h3>
            <ul className="plain-list" data-testid="genesis-validators">
              {data.validators.map((address) => (
                <li key={address} className="mono break small">
                  {address}
                </li>
              ))}
            </ul>
          </section>
          <section className="card code-block" aria-labelledby="genesis-heading">
            <div className="card-heading">
              <h2 id="genesis-heading">genesis.json</h2>
              {genesisText && (
                <div className="button-row">
                  <CopyButton value={genesisText} label="Copy genesis" />
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => downloadFile('genesis.json', genesisText, 'application/json')}
                  >
                    Download genesis.json
                  </button>
                </div>
              )}
            </div>
            <ErrorMessage error={genesis.error} />
            {genesis.loading && <SkeletonBlock height={200} label="Loading the genesis" />}
            {genesisText && <pre data-testid="genesis-json">{genesisText}</pre>}
          </section>
          <NetworkUpgradesPanel networkId={networkId} />
          <NetworkBackupsPanel networkId={networkId} />
        </div>
      )}
    </>
  );
}
