/**
 * The Consortium section's entry points: an organisation's (which network first, then its pages acting for the
 * organisation) and operators' (a network's pages acting for the platform).
 */
import { Navigate, Outlet, useParams } from 'react-router';
import type { Networks } from '../../api/api-types.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonBlock } from '../../components/skeleton.tsx';
import { canAct, useOrg } from '../../session/org-context.tsx';
import { ConsortiumContext } from './consortium-scope.tsx';

/** /orgs/:orgId/consortium: the first active network's consortium (most installations run one network). */
export function OrgConsortiumIndex() {
  const org = useOrg();
  const networks = useResource<Networks>('/v1/networks');
  const first = networks.data?.items.find((n) => n.status === 'active');
  if (first) return <Navigate to={`/orgs/${org.id}/consortium/${first.id}`} replace />;
  return (
    <>
      <PageHeader title="Consortium" />
      <ErrorMessage error={networks.error} />
      {networks.loading && <SkeletonBlock height={120} label="Loading networks" />}
      {networks.data && <p className="empty card">There is no network yet, so there is no consortium to show.</p>}
    </>
  );
}

export function OrgConsortiumScope() {
  const org = useOrg();
  const { networkId = '' } = useParams();
  return (
    <ConsortiumContext.Provider
      value={{
        networkId,
        base: `/orgs/${org.id}/consortium/${networkId}`,
        acting: { kind: 'organisation', orgId: org.id, orgName: org.name, canSign: canAct(org, 'developer') },
      }}
    >
      <Outlet />
    </ConsortiumContext.Provider>
  );
}

export function OpsConsortiumScope() {
  const { networkId = '' } = useParams();
  return (
    <ConsortiumContext.Provider
      value={{ networkId, base: `/ops/networks/${networkId}/consortium`, acting: { kind: 'platform' } }}
    >
      <Outlet />
    </ConsortiumContext.Provider>
  );
}
