/**
 * The payment page sends the browser back to `/billing?checkout=success|canceled`, without the organisation. The
 * console notes which organisation went to pay (in this tab only) and takes the user back to its billing page.
 */
import { Navigate, useLocation } from 'react-router';
import { useSession } from '../../session/session-context.tsx';

const KEY = 'carechain.checkout-org';

export function rememberCheckoutOrg(orgId: string): void {
  try {
    sessionStorage.setItem(KEY, orgId);
  } catch {
    // Storage may be off; the return then lands on the first organisation, which is right for most users.
  }
}

function checkoutOrg(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function CheckoutReturn() {
  const { me } = useSession();
  const location = useLocation();
  const remembered = checkoutOrg();
  const orgId = me?.memberships.find((m) => m.orgId === remembered)?.orgId ?? me?.memberships[0]?.orgId;
  if (!orgId) return <Navigate to="/" replace />;
  return <Navigate to={`/orgs/${orgId}/billing${location.search}`} replace />;
}
