/**
 * Invite someone by e-mail and hand them the link; list pending invitations and revoke them.
 */
import { useState } from 'react';
import { api } from '../../api/api-client.ts';
import type { CreatedInvitation, CreateInvitation, Invitations, Role } from '../../api/api-types.ts';
import { ROLE_LABELS } from '../../api/labels.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { CopyableValue } from '../../components/copy-button.tsx';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { formatDate } from '../../components/format.ts';
import { SkeletonRows } from '../../components/skeleton.tsx';

export function InvitationsPanel({
  orgId,
  grantable,
}: {
  readonly orgId: string;
  readonly grantable: readonly Role[];
}) {
  const invitations = useResource<Invitations>(`/v1/orgs/${orgId}/invitations`);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('developer');
  const [created, setCreated] = useState<CreatedInvitation | undefined>(undefined);
  const invite = useAction(async (body: CreateInvitation) => {
    setCreated(await api<CreatedInvitation>('POST', `/v1/orgs/${orgId}/invitations`, { body }));
    setEmail('');
    await invitations.reload();
  });
  const revoke = useAction(async (id: string) => {
    await api('DELETE', `/v1/orgs/${orgId}/invitations/${id}`);
    await invitations.reload();
  });
  const fields = invite.error?.fieldErrors ?? {};
  const pending = invitations.data?.items.filter((i) => i.status === 'pending') ?? [];
  return (
    <section className="card" aria-labelledby="invitations-heading">
      <h2 id="invitations-heading">Invitations</h2>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          setCreated(undefined);
          void invite.run({ email: email.trim(), role });
        }}
        noValidate
      >
        <div className="form-row">
          <FormField label="E-mail address" error={fields.email}>
            <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" required />
          </FormField>
          <FormField label="Role" error={fields.role}>
            <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {grantable.map((value) => (
                <option key={value} value={value}>
                  {ROLE_LABELS[value]}
                </option>
              ))}
            </select>
          </FormField>
        </div>
        <ErrorMessage error={invite.error} shownFields={['email', 'role']} />
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={invite.pending}>
            {invite.pending ? 'Inviting…' : 'Create invitation'}
          </button>
        </div>
      </form>
      {created && (
        <div className="result" role="status">
          <p>
            Send this link to <strong>{created.email}</strong>. It is shown only now and expires on{' '}
            {formatDate(created.expiresAt)}.
          </p>
          <CopyableValue value={created.acceptUrl} label="Copy link" />
        </div>
      )}
      <h3 className="subheading">Pending</h3>
      {invitations.loading && <SkeletonRows rows={1} label="Loading invitations" />}
      <ErrorMessage error={invitations.error ?? revoke.error} />
      {invitations.data && pending.length === 0 && <p className="muted">No pending invitations.</p>}
      {pending.length > 0 && (
        <ul className="plain-list">
          {pending.map((invitation) => (
            <li key={invitation.id} className="list-row">
              <span>
                {invitation.email} · {ROLE_LABELS[invitation.role]}
                <span className="muted small"> · expires {formatDate(invitation.expiresAt)}</span>
              </span>
              <button
                type="button"
                className="button button-small button-danger-quiet"
                disabled={revoke.pending}
                onClick={() => void revoke.run(invitation.id)}
              >
                Revoke <span className="visually-hidden">the invitation for {invitation.email}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
