/**
 * Operators: the consortium's networks with their state (producing, slow, stalled, below quorum), the way to create
 * one, and to each network's health, genesis, upgrades, backups and consortium (where operators act for the platform).
 */
import { Link } from 'react-router';
import type { Networks } from '../../api/api-types.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatDate } from '../../components/format.ts';
import { NetworkStateBadge } from '../../components/network-state-badge.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonRows } from '../../components/skeleton.tsx';

export function NetworksPage() {
  const networks = useResource<Networks>('/v1/networks');
  return (
    <>
      <PageHeader
        title="Networks"
        description="The consortium’s chains: their genesis, and their governance, where you act for the platform."
        actions={
          <Link className="button button-primary" to="/ops/networks/new">
            New network
          </Link>
        }
      />
      <ErrorMessage error={networks.error} />
      {networks.loading && <SkeletonRows rows={2} label="Loading networks" />}
      {networks.data && networks.data.items.length === 0 && <p className="empty card">No networks yet.</p>}
      {networks.data && networks.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Networks</caption>
            <thead>
              <tr>
                <th scope="col">Network</th>
                <th scope="col">State</th>
                <th scope="col">Chain id</th>
                <th scope="col" className="col-optional">
                  Consensus
                </th>
                <th scope="col" className="col-optional">
                  Validators
                </th>
                <th scope="col">Governance</th>
                <th scope="col" className="col-optional">
                  Created
                </th>
              </tr>
            </thead>
            <tbody>
              {networks.data.items.map((network) => (
                <tr key={network.id}>
                  <td>
                    <Link to={`/ops/networks/${network.id}`}>{network.name}</Link>
                    <div className="cell-note mono">{network.id}</div>
                  </td>
                  <td>
                    <NetworkStateBadge networkId={network.id} />
                  </td>
                  <td className="num">{network.chainId}</td>
                  <td className="col-optional">{network.consensus.toUpperCase()}</td>
                  <td className="col-optional num">{network.validators.length}</td>
                  <td>
                    {network.governanceAddress ? (
                      <Link to={`/ops/networks/${network.id}/consortium`}>Consortium</Link>
                    ) : (
                      <span className="muted">deployed once a node runs</span>
                    )}
                  </td>
                  <td className="col-optional">{formatDate(network.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
