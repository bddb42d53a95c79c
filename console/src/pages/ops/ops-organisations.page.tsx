/**
 * Operators: every organisation of the consortium, with how many nodes each runs.
 */
import type { Nodes, Organisations } from '../../api/api-types.ts';
import { ORGANISATION_TYPE_LABELS } from '../../api/labels.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatDate } from '../../components/format.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonRows } from '../../components/skeleton.tsx';

export function OpsOrganisationsPage() {
  const orgs = useResource<Organisations>('/v1/ops/orgs');
  const fleet = useResource<Nodes>('/v1/ops/nodes');
  const count = (orgId: string, failedOnly = false) =>
    fleet.data?.items.filter((n) => n.orgId === orgId && (!failedOnly || n.state === 'failed')).length;
  return (
    <>
      <PageHeader title="Organisations" description="Every member organisation of the consortium, oldest first." />
      <ErrorMessage error={orgs.error} />
      {orgs.loading && <SkeletonRows rows={4} label="Loading organisations" />}
      {orgs.data && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="col-optional">
                  Category
                </th>
                <th scope="col" className="col-optional">
                  Country
                </th>
                <th scope="col" className="num">
                  Nodes
                </th>
                <th scope="col" className="num">
                  Failed
                </th>
                <th scope="col" className="col-optional">
                  Since
                </th>
              </tr>
            </thead>
            <tbody>
              {orgs.data.items.map((org) => (
                <tr key={org.id}>
                  <td>
                    {org.name}
                    <div className="cell-note mono">{org.id}</div>
                  </td>
                  <td className="col-optional">{ORGANISATION_TYPE_LABELS[org.type]}</td>
                  <td className="col-optional">{org.country}</td>
                  <td className="num">{count(org.id) ?? '—'}</td>
                  <td className="num">{count(org.id, true) || '—'}</td>
                  <td className="col-optional">{formatDate(org.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
