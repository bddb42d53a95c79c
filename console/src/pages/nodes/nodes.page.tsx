/**
 * The organisation's nodes at a glance: state and health, with the way to add a managed node or register a
 * self-hosted one. Polls quickly while a node is changing state, slowly otherwise.
 */
import { Link, useLocation } from 'react-router';
import type { Node, Nodes } from '../../api/api-types.ts';
import { TRANSITIONAL_STATES } from '../../api/labels.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatAgo } from '../../components/format.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonRows } from '../../components/skeleton.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { canAct, useOrg } from '../../session/org-context.tsx';
import { healthLabel, useNodeHealth } from './node-health.ts';
import { NodeStateBadge } from './node-state.tsx';

function HealthCell({ orgId, node }: { readonly orgId: string; readonly node: Node }) {
  const resource = useNodeHealth(orgId, node.id, 15_000);
  if (resource.loading) return <span className="skeleton skeleton-inline" role="status" aria-label="Loading health" />;
  if (resource.notAvailable) return <span className="muted">Not available yet</span>;
  if (resource.error) return <span className="muted">Unknown</span>;
  const { label, tone } = healthLabel(resource.data);
  return <StatusBadge label={label} tone={tone} />;
}

export function NodesPage() {
  const org = useOrg();
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const nodes = useResource<Nodes>(`/v1/orgs/${org.id}/nodes`, {
    poll: (data) => (data?.items.some((n) => TRANSITIONAL_STATES.has(n.state)) ? 1500 : 10_000),
  });
  const canCreate = canAct(org, 'developer');
  const actions = canCreate && (
    <>
      <Link className="button button-primary" to="new">
        New managed node
      </Link>
      <Link className="button" to="self-hosted">
        Register a self-hosted node
      </Link>
    </>
  );
  return (
    <>
      <PageHeader
        title="Nodes"
        description="Managed nodes run by CareChain and the self-hosted nodes your organisation runs."
        actions={actions}
      />
      {notice && (
        <div className="notice notice-info" role="status">
          <p>{notice}</p>
        </div>
      )}
      <ErrorMessage error={nodes.error} />
      {nodes.loading && <SkeletonRows rows={3} label="Loading nodes" />}
      {nodes.data && nodes.data.items.length === 0 && (
        <div className="empty card">
          <h2>No nodes yet</h2>
          <p>
            A managed node is running in a few moments and reachable through the JSON-RPC gateway with an API key. A
            self-hosted node runs on your own machine from a join bundle.
          </p>
          {canCreate && <div className="button-row">{actions}</div>}
        </div>
      )}
      {nodes.data && nodes.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Nodes of {org.name}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col">Health</th>
                <th scope="col" className="col-optional">
                  Role
                </th>
                <th scope="col" className="col-optional">
                  Hosting
                </th>
                <th scope="col" className="col-optional">
                  Size
                </th>
                <th scope="col" className="col-optional">
                  Since
                </th>
              </tr>
            </thead>
            <tbody>
              {nodes.data.items.map((node) => (
                <tr key={node.id}>
                  <td>
                    <Link to={node.id}>{node.name}</Link>
                  </td>
                  <td>
                    <NodeStateBadge state={node.state} />
                    {node.state === 'failed' && node.reason && <div className="cell-note">{node.reason}</div>}
                  </td>
                  <td>
                    <HealthCell orgId={org.id} node={node} />
                  </td>
                  <td className="col-optional">{node.role}</td>
                  <td className="col-optional">{node.hosting}</td>
                  <td className="col-optional">{node.hosting === 'managed' ? node.size : '—'}</td>
                  <td className="col-optional">{formatAgo(node.stateChangedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
