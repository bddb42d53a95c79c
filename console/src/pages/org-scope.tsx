/**
 * Pages under /orgs/:orgId: works out the organisation and the user's role in it from the session. An
 * organisation the user does not belong to gets the same answer as one that does not exist.
 */
import { Outlet, useParams } from 'react-router';
import { OrgContext } from '../session/org-context.tsx';
import { useSession } from '../session/session-context.tsx';

export function OrgScope() {
  const { orgId = '' } = useParams();
  const { me } = useSession();
  const membership = me?.memberships.find((m) => m.orgId === orgId);
  if (!membership) {
    return (
      <div className="notice notice-warn" role="alert">
        <p>This organisation does not exist, or you are not a member of it.</p>
      </div>
    );
  }
  return (
    <OrgContext.Provider value={{ id: membership.orgId, name: membership.orgName, role: membership.role }}>
      <Outlet />
    </OrgContext.Provider>
  );
}
