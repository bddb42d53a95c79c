/**
 * People of the organisation: members and their roles, and invitations (a link to send, since there is no mail
 * server; it works once, for the invited address).
 */
import { useState } from 'react';
import { api } from '../../api/api-client.ts';
import type { Member, Members, Role } from '../../api/api-types.ts';
import { ROLE_LABELS } from '../../api/labels.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatDate } from '../../components/format.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonRows } from '../../components/skeleton.tsx';
import { canAct, useOrg } from '../../session/org-context.tsx';
import { useSession } from '../../session/session-context.tsx';
import { InvitationsPanel } from './invitations-panel.tsx';

export function MembersPage() {
  const org = useOrg();
  const { me, refresh } = useSession();
  const members = useResource<Members>(`/v1/orgs/${org.id}/members`);
  const [removing, setRemoving] = useState<Member | undefined>(undefined);
  const changeRole = useAction(async (member: Member, role: Role) => {
    await api('PATCH', `/v1/orgs/${org.id}/members/${member.userId}`, { body: { role } });
    await members.reload();
  });
  const remove = useAction(async (member: Member) => {
    await api('DELETE', `/v1/orgs/${org.id}/members/${member.userId}`);
    setRemoving(undefined);
    if (member.userId === me?.user.id) await refresh();
    else await members.reload();
  });
  const admin = canAct(org, 'admin');
  const grantable = (Object.keys(ROLE_LABELS) as Role[]).filter((role) => org.role === 'owner' || role !== 'owner');
  return (
    <>
      <PageHeader title="Members" description="Who belongs to the organisation, and what each may do." />
      <section className="card" aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        <p className="muted small">
          Owners can do everything; admins manage members, invitations and keys; developers manage nodes and keys;
          viewers read.
        </p>
        <ErrorMessage error={members.error ?? changeRole.error} />
        {members.loading && <SkeletonRows rows={2} label="Loading members" />}
        {members.data && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col" className="col-optional">
                    E-mail
                  </th>
                  <th scope="col">Role</th>
                  <th scope="col" className="col-optional">
                    Joined
                  </th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {members.data.items.map((member) => {
                  const self = member.userId === me?.user.id;
                  const editable = admin && !self && (org.role === 'owner' || member.role !== 'owner');
                  return (
                    <tr key={member.userId}>
                      <td>
                        {member.name}
                        {self && <span className="tag">you</span>}
                      </td>
                      <td className="col-optional">{member.email}</td>
                      <td>
                        {editable ? (
                          <select
                            aria-label={`Role of ${member.name}`}
                            value={member.role}
                            disabled={changeRole.pending}
                            onChange={(e) => void changeRole.run(member, e.target.value as Role)}
                          >
                            {grantable.map((role) => (
                              <option key={role} value={role}>
                                {ROLE_LABELS[role]}
                              </option>
                            ))}
                          </select>
                        ) : (
                          ROLE_LABELS[member.role]
                        )}
                      </td>
                      <td className="col-optional">{formatDate(member.joinedAt)}</td>
                      <td className="cell-actions">
                        {(editable || self) && (
                          <button
                            type="button"
                            className="button button-small button-danger-quiet"
                            onClick={() => setRemoving(member)}
                          >
                            {self ? 'Leave' : 'Remove'} <span className="visually-hidden">{member.name}</span>
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {admin && <InvitationsPanel orgId={org.id} grantable={grantable} />}
      <ConfirmDialog
        open={removing !== undefined}
        title={removing?.userId === me?.user.id ? `Leave ${org.name}?` : `Remove ${removing?.name ?? ''}?`}
        confirmLabel={removing?.userId === me?.user.id ? 'Leave organisation' : 'Remove member'}
        danger
        pending={remove.pending}
        error={remove.error}
        onConfirm={() => removing && void remove.run(removing)}
        onCancel={() => {
          remove.clear();
          setRemoving(undefined);
        }}
      >
        <p>They lose access at once. API keys and nodes of the organisation are not affected.</p>
      </ConfirmDialog>
    </>
  );
}
