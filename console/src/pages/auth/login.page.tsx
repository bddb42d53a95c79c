/**
 * Log in with e-mail and password. The session comes back as an HttpOnly cookie.
 */
import { useState } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { api } from '../../api/api-client.ts';
import type { LoginRequestBody, Session } from '../../api/api-types.ts';
import { useAction } from '../../api/use-action.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { useSession } from '../../session/session-context.tsx';
import { AuthLayout, nextPath } from './auth-layout.tsx';

export function LoginPage() {
  const { me, refresh } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const next = nextPath(location.search);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = useAction(async (body: LoginRequestBody) => {
    await api<Session>('POST', '/v1/auth/login', { body });
    await refresh();
    navigate(next, { replace: true });
  });

  if (me && !login.pending) return <Navigate to={next} replace />;
  const fields = login.error?.fieldErrors ?? {};
  return (
    <AuthLayout title="Log in">
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          void login.run({ email, password });
        }}
        noValidate
      >
        <FormField label="E-mail address" error={fields.email}>
          <input
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
        </FormField>
        <FormField label="Password" error={fields.password}>
          <input
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </FormField>
        <ErrorMessage error={login.error} shownFields={['email', 'password']} />
        <button type="submit" className="button button-primary button-wide" disabled={login.pending}>
          {login.pending ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p className="auth-alt">
        New to CareChain? <Link to={`/signup${location.search}`}>Create an account</Link>
      </p>
      <p className="auth-alt">
        <Link to="/patient">I am a patient</Link>: see and change my consents, no account needed
      </p>
    </AuthLayout>
  );
}
