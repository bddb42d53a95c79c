/**
 * Operators: the whole fleet's health, failed and degraded nodes first (the API orders them), with the platform
 * summary when the server offers one.
 */
import type { Nodes, Organisations, Platform } from '../../api/api-types.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatAgo } from '../../components/format.ts';
import { NotAvailable } from '../../components/not-available.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonBlock, SkeletonRows } from '../../components/skeleton.tsx';
import { NodeStateBadge } from '../nodes/node-state.tsx';

function PlatformPanel() {
  const platform = useResource<Platform>('/v1/platform');
  const facts = platform.data;
  return (
    <section className="card" aria-labelledby="platform-heading">
      <h2 id="platform-heading">Platform</h2>
      {platform.loading && <SkeletonBlock height={48} label="Loading the platform summary" />}
      {platform.notAvailable && <NotAvailable what="The platform summary" />}
      {platform.error && !platform.notAvailable && <ErrorMessage error={platform.error} />}
      {facts && (
        <dl className="facts">
          <div>
            <dt>Name</dt>
            <dd>{facts.name}</dd>
          </div>
          <div>
            <dt>Address that signs SLA reports ({facts.signatureScheme})</dt>
            <dd className="mono break">{facts.signingAddress}</dd>
          </div>
          <div>
            <dt>How members verify a report</dt>
            <dd className="mono break small">{facts.verification}</dd>
          </div>
        </dl>
      )}
    </section>
  );
}

export function FleetPage() {
  const fleet = useResource<Nodes>('/v1/ops/nodes', { poll: () => 10_000 });
  const orgs = useResource<Organisations>('/v1/ops/orgs');
  // `platform`: nodes CareChain runs itself (a network's genesis validators), in no organisation.
  const orgName = (id: string) =>
    id === 'platform' ? 'CareChain (platform)' : (orgs.data?.items.find((o) => o.id === id)?.name ?? id);
  const items = fleet.data?.items ?? [];
  const failed = items.filter((n) => n.state === 'failed').length;
  const degraded = items.filter((n) => n.state === 'degraded').length;
  const running = items.filter((n) => n.state === 'running').length;
  return (
    <>
      <PageHeader title="Fleet health" description="Every node of every organisation; failed nodes first." />
      <div className="stack">
        <PlatformPanel />
        <section className="card" aria-labelledby="fleet-heading">
          <h2 id="fleet-heading">Nodes</h2>
          <dl className="facts facts-inline">
            <div>
              <dt>Nodes</dt>
              <dd>{fleet.data ? items.length : '—'}</dd>
            </div>
            <div>
              <dt>Running</dt>
              <dd>{fleet.data ? running : '—'}</dd>
            </div>
            <div>
              <dt>Degraded</dt>
              <dd>{fleet.data ? degraded : '—'}</dd>
            </div>
            <div>
              <dt>Failed</dt>
              <dd className={failed ? 'text-bad' : ''}>{fleet.data ? failed : '—'}</dd>
            </div>
          </dl>
          <ErrorMessage error={fleet.error} />
          {/* Rows wait for the organisations too, so a node never shows an organisation id in place of its name. */}
          {(fleet.loading || orgs.loading) && <SkeletonRows rows={4} label="Loading the fleet" />}
          {fleet.data && items.length === 0 && <p className="muted">No nodes in the fleet yet.</p>}
          {items.length > 0 && !orgs.loading && (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Node</th>
                    <th scope="col">State</th>
                    <th scope="col">Organisation</th>
                    <th scope="col" className="col-optional">
                      Hosting
                    </th>
                    <th scope="col" className="col-optional">
                      Runtime
                    </th>
                    <th scope="col" className="col-optional">
                      Since
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((node) => (
                    <tr key={node.id} className={node.state === 'failed' ? 'row-bad' : ''}>
                      <td>
                        {node.name}
                        <div className="cell-note mono">{node.id}</div>
                      </td>
                      <td>
                        <NodeStateBadge state={node.state} />
                        {node.reason && node.state === 'failed' && <div className="cell-note">{node.reason}</div>}
                      </td>
                      <td>{orgName(node.orgId)}</td>
                      <td className="col-optional">{node.hosting}</td>
                      <td className="col-optional">{node.runtime}</td>
                      <td className="col-optional">{formatAgo(node.stateChangedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>
    </>
  );
}
