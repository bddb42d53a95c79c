/**
 * `/invitations/:token`, the link an organisation sends: sign in (or sign up) as the invited address, then accept
 * and land in the organisation. The token is the secret; it is sent only to the API, never stored.
 */
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/api-client.ts';
import type { Organisation } from '../../api/api-types.ts';
import { useAction } from '../../api/use-action.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { SkeletonBlock } from '../../components/skeleton.tsx';
import { useSession } from '../../session/session-context.tsx';
import { AuthLayout } from './auth-layout.tsx';

export function AcceptInvitationPage() {
  const { token = '' } = useParams();
  const { me, refresh, logout } = useSession();
  const navigate = useNavigate();
  const here = `/invitations/${encodeURIComponent(token)}`;
  const accept = useAction(async () => {
    const org = await api<Organisation>('POST', `/v1/invitations/${encodeURIComponent(token)}/accept`);
    await refresh();
    navigate(`/orgs/${org.id}/nodes`, { replace: true });
  });

  return (
    <AuthLayout title="Join an organisation">
      {me === undefined && <SkeletonBlock height={96} label="Loading your session" />}
      {me === null && (
        <>
          <p>
            You have been invited to an organisation on CareChain. Log in, or create an account, with the e-mail address
            the invitation was sent to.
          </p>
          <div className="button-row">
            <Link className="button button-primary" to={`/login?next=${encodeURIComponent(here)}`}>
              Log in
            </Link>
            <Link className="button" to={`/signup?next=${encodeURIComponent(here)}`}>
              Create an account
            </Link>
          </div>
        </>
      )}
      {me && (
        <>
          <p>
            You are signed in as <strong>{me.user.email}</strong>. Accepting adds you to the organisation with the role
            the invitation names.
          </p>
          <ErrorMessage error={accept.error} />
          <div className="button-row">
            <button
              type="button"
              className="button button-primary"
              disabled={accept.pending}
              onClick={() => void accept.run()}
            >
              {accept.pending ? 'Accepting…' : 'Accept invitation'}
            </button>
            <button
              type="button"
              className="button button-quiet"
              onClick={() => void logout()}
              disabled={accept.pending}
            >
              Use another account
            </button>
          </div>
        </>
      )}
    </AuthLayout>
  );
}
