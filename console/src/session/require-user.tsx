/**
 * Gates for pages that need a session (or an operator). While the session is being read, the space the page will
 * take is held; without a session the user goes to the login page and comes back here afterwards.
 */
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { SkeletonBlock } from '../components/skeleton.tsx';
import { useSession } from './session-context.tsx';

export function RequireUser({ children }: { readonly children: ReactNode }) {
  const { me, error } = useSession();
  const location = useLocation();
  if (me === undefined) {
    return (
      <div className="boot">
        <SkeletonBlock height={56} label="Loading your session" />
      </div>
    );
  }
  if (me === null && error) {
    return (
      <main className="auth-page">
        <div className="auth-card">
          <h1>CareChain console</h1>
          <ErrorMessage error={error} />
        </div>
      </main>
    );
  }
  if (me === null) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return children;
}

export function RequireOperator({ children }: { readonly children: ReactNode }) {
  const { me } = useSession();
  if (!me?.user.operator) {
    return (
      <div className="notice notice-warn" role="alert">
        <p>This page is for CareChain operators.</p>
      </div>
    );
  }
  return children;
}
