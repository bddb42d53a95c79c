/**
 * One node: its state (with live progress while it is being set up), health charts, how to connect, its join
 * bundle when self-hosted, and stop / start / delete.
 */
import { Link, useParams } from 'react-router';
import type { Networks, Node } from '../../api/api-types.ts';
import { PROVISIONING_STEPS, TRANSITIONAL_STATES } from '../../api/labels.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatDateTime } from '../../components/format.ts';
import { NetworkStateBadge } from '../../components/network-state-badge.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonBlock } from '../../components/skeleton.tsx';
import { useOrg } from '../../session/org-context.tsx';
import { JoinBundlePanel, SelfHostedEndpointsForm } from './join-bundle-panel.tsx';
import { LiveHeadPanel } from './live-head-panel.tsx';
import { MaintenancePanel } from './maintenance-panel.tsx';
import { NodeActions } from './node-actions.tsx';
import { NodeConnect } from './node-connect.tsx';
import { NodeHealthPanel } from './node-health-panel.tsx';
import { NodeStateBadge, ProvisioningProgress } from './node-state.tsx';

function NodeFacts({ node }: { readonly node: Node }) {
  const networks = useResource<Networks>('/v1/networks');
  const network = networks.data?.items.find((n) => n.id === node.networkId);
  const facts: Array<[string, string]> = [
    ['Network', network ? `${network.name} (chain id ${network.chainId})` : node.networkId],
    ['Role', node.role],
    ['Hosting', node.hosting],
    ['Size', node.hosting === 'managed' ? node.size : '—'],
    ['Region', node.hosting === 'managed' ? node.region : '—'],
    ['Runtime', node.runtime],
    ['Created', formatDateTime(node.createdAt)],
    ['In this state since', formatDateTime(node.stateChangedAt)],
  ];
  if (node.validatorAddress) facts.push(['Validator address', node.validatorAddress]);
  if (node.enode) facts.push(['Enode', node.enode]);
  return (
    <section className="card" aria-labelledby="facts-heading">
      <h2 id="facts-heading">Details</h2>
      <dl className="facts">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd className={label === 'Enode' || label === 'Validator address' ? 'mono break' : ''}>{value}</dd>
          </div>
        ))}
        <div>
          <dt>Network state</dt>
          <dd>
            <NetworkStateBadge networkId={node.networkId} />
          </dd>
        </div>
      </dl>
      {node.runtimeNote && <p className="muted small runtime-note">{node.runtimeNote}</p>}
    </section>
  );
}

export function NodeDetailPage() {
  const org = useOrg();
  const { nodeId = '' } = useParams();
  const node = useResource<Node>(`/v1/orgs/${org.id}/nodes/${nodeId}`, {
    poll: (data) => (data && TRANSITIONAL_STATES.has(data.state) ? 1000 : 10_000),
  });
  const data = node.data;
  const settingUp =
    data?.hosting === 'managed' &&
    ((PROVISIONING_STEPS.includes(data.state) && data.state !== 'running') ||
      (data.state === 'failed' && data.desiredState === 'running'));

  return (
    <>
      <p className="breadcrumb">
        <Link to={`/orgs/${org.id}/nodes`}>Nodes</Link> <span aria-hidden="true">/</span>
      </p>
      <PageHeader
        title={data?.name ?? 'Node'}
        description={
          data ? (
            <span className="header-state">
              <NodeStateBadge state={data.state} />
              {data.desiredState !== 'running' && data.desiredState !== data.state && (
                <span className="muted">going to {data.desiredState}</span>
              )}
            </span>
          ) : (
            <span className="skeleton skeleton-inline" />
          )
        }
        actions={data && <NodeActions node={data} onChanged={() => void node.reload()} />}
      />
      {node.error && <ErrorMessage error={node.error} />}
      {node.loading && <SkeletonBlock height={320} label="Loading the node" />}
      {data && (
        <div className="stack">
          {settingUp && <ProvisioningProgress node={data} />}
          {data.state === 'failed' && !settingUp && data.reason && (
            <div className="notice notice-bad" role="alert">
              <p>{data.reason}</p>
            </div>
          )}
          {data.state === 'running' && data.hosting === 'managed' && (
            <div className="notice notice-ok" role="status">
              <p>The node is running and serving JSON-RPC through the gateway.</p>
            </div>
          )}
          {data.hosting === 'self-hosted' && (
            <>
              <JoinBundlePanel orgId={org.id} node={data} />
              <SelfHostedEndpointsForm orgId={org.id} node={data} onSaved={() => void node.reload()} />
            </>
          )}
          <LiveHeadPanel orgId={org.id} node={data} />
          <NodeHealthPanel orgId={org.id} nodeId={data.id} />
          <MaintenancePanel networkId={data.networkId} />
          <NodeConnect node={data} orgId={org.id} />
          <NodeFacts node={data} />
        </div>
      )}
    </>
  );
}
