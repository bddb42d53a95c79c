/**
 * Create an account; the user is signed in at once and goes on to create (or join) an organisation.
 */
import { type ChangeEvent, useState } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { api } from '../../api/api-client.ts';
import type { Session, SignupRequestBody } from '../../api/api-types.ts';
import { useAction } from '../../api/use-action.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { useSession } from '../../session/session-context.tsx';
import { AuthLayout, nextPath } from './auth-layout.tsx';

export function SignupPage() {
  const { me, refresh } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const next = nextPath(location.search);
  const [form, setForm] = useState<SignupRequestBody>({ name: '', email: '', password: '' });
  const signup = useAction(async (body: SignupRequestBody) => {
    await api<Session>('POST', '/v1/auth/signup', { body });
    await refresh();
    navigate(next === '/' ? '/onboarding' : next, { replace: true });
  });

  if (me && !signup.pending) return <Navigate to={next} replace />;
  const fields = signup.error?.fieldErrors ?? {};
  const set = (key: keyof SignupRequestBody) => (event: ChangeEvent<HTMLInputElement>) =>
    setForm((current) => ({ ...current, [key]: event.target.value }));
  return (
    <AuthLayout title="Create your account">
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          void signup.run(form);
        }}
        noValidate
      >
        <FormField label="Your name" error={fields.name}>
          <input autoComplete="name" value={form.name} onChange={set('name')} required />
        </FormField>
        <FormField label="Work e-mail address" error={fields.email}>
          <input type="email" autoComplete="email" value={form.email} onChange={set('email')} required />
        </FormField>
        <FormField
          label="Password"
          hint="At least 12 characters; a few words you remember work well."
          error={fields.password}
        >
          <input
            type="password"
            autoComplete="new-password"
            value={form.password}
            onChange={set('password')}
            minLength={12}
            required
          />
        </FormField>
        <ErrorMessage error={signup.error} shownFields={['name', 'email', 'password']} />
        <button type="submit" className="button button-primary button-wide" disabled={signup.pending}>
          {signup.pending ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
      <p className="auth-alt">
        Already have an account? <Link to={`/login${location.search}`}>Log in</Link>
      </p>
    </AuthLayout>
  );
}
