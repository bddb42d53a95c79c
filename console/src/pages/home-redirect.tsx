/**
 * `/`: where a signed-in user starts — their first organisation's nodes, the operators' view for an operator
 * without an organisation, or onboarding for a new user.
 */
import { Navigate } from 'react-router';
import { useSession } from '../session/session-context.tsx';

export function HomeRedirect() {
  const { me } = useSession();
  const first = me?.memberships[0];
  if (first) return <Navigate to={`/orgs/${first.orgId}/nodes`} replace />;
  if (me?.user.operator) return <Navigate to="/ops/orgs" replace />;
  return <Navigate to="/onboarding" replace />;
}
