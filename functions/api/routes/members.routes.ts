/**
 * Members and invitations. An invitation's token is the secret in the link the API returns (there is no mail
 * server); accepting needs a signed-in user with the invited e-mail address.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { newSecret, sha256Hex } from '../../../shared/auth/secrets.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { canGrant, type Invitation, type Principal } from '../../../shared/domain/organisation.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../../../shared/errors.ts';
import { InvitationId, OrgId, UserId } from '../../../shared/schemas/common.schemas.ts';
import {
  ChangeRole,
  CreatedInvitation,
  CreateInvitation,
  InvitationList,
  MemberList,
  MemberView,
  OrganisationView,
} from '../../../shared/schemas/organisation.schemas.ts';
import { ConditionFailedError } from '../../../shared/store/table.ts';
import { accessGuards, audit, userOnly } from '../access.ts';
import type { GuardDeps, RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { INVITATION_TOKEN_PREFIX } from '../middleware/authentication.ts';
import { errorResponses, jsonBody, jsonResponse, noContent, security, userSecurity } from '../route-helpers.ts';
import { toOrganisationView } from './organisations.routes.ts';

const INVITATION_TTL_DAYS = 7;

function toInvitationView(invitation: Invitation) {
  return {
    id: invitation.id,
    orgId: invitation.orgId,
    email: invitation.email,
    role: invitation.role,
    status: invitation.status,
    createdAt: invitation.createdAt,
    expiresAt: invitation.expiresAt,
  };
}

export type MemberRouteDeps = RouteDeps<'clock' | 'config' | GuardDeps, 'organisations' | 'invitations' | 'audit'>;

export function registerMemberRoutes(app: OpenAPIHono<AppEnv>, deps: MemberRouteDeps) {
  const { orgAccess } = accessGuards(deps);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/members',
      tags: ['members'],
      summary: 'Members of the organisation',
      security,
      middleware: orgAccess('viewer'),
      request: { params: z.object({ orgId: OrgId }) },
      responses: { 200: jsonResponse(MemberList, 'Members'), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const members = await deps.stores.organisations.listMembers(orgId);
      return c.json({ items: members.map(({ orgId: _org, ...member }) => member) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/orgs/{orgId}/members/{userId}',
      tags: ['members'],
      summary: 'Change a member’s role (admins grant up to admin, owners anything)',
      security: userSecurity,
      middleware: orgAccess('admin', { usersOnly: true }),
      request: { params: z.object({ orgId: OrgId, userId: UserId }), ...jsonBody(ChangeRole) },
      responses: { 200: jsonResponse(MemberView, 'The member with the new role'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, userId } = c.req.valid('param');
      const { role } = c.req.valid('json');
      const access = c.var.access;
      const member = await deps.stores.organisations.getMember(orgId, userId);
      if (!member) throw new NotFoundError('No such member');
      if (!canGrant(access.role, role) || !canGrant(access.role, member.role)) {
        throw new ForbiddenError('Only owners can grant or take away the owner role');
      }
      const updated = await deps.stores.organisations.changeRole(orgId, userId, role);
      await audit(c, deps, {
        orgId,
        actor: access.actor,
        action: 'member.role-changed',
        target: userId,
        details: { from: member.role, to: role },
      });
      const { orgId: _org, ...view } = updated;
      return c.json(view, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/orgs/{orgId}/members/{userId}',
      tags: ['members'],
      summary: 'Remove a member (or leave); the last owner cannot be removed',
      security: userSecurity,
      // Leaving needs no role; removing someone else needs admin.
      middleware: orgAccess((request) => (isSelf(request.principal, request.param('userId')) ? 'viewer' : 'admin'), {
        usersOnly: true,
      }),
      request: { params: z.object({ orgId: OrgId, userId: UserId }) },
      responses: { 204: noContent, ...errorResponses },
    }),
    async (c) => {
      const { orgId, userId } = c.req.valid('param');
      const access = c.var.access;
      const self = access.actor.id === userId;
      const member = await deps.stores.organisations.getMember(orgId, userId);
      if (!member) throw new NotFoundError('No such member');
      if (!self && !canGrant(access.role, member.role)) throw new ForbiddenError('Only owners can remove owners');
      await deps.stores.organisations.removeMember(orgId, userId);
      await audit(c, deps, {
        orgId,
        actor: access.actor,
        action: self ? 'member.left' : 'member.removed',
        target: userId,
        details: { role: member.role },
      });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/invitations',
      tags: ['members'],
      summary: 'Invite someone by e-mail; returns the link to send them',
      security: userSecurity,
      middleware: orgAccess('admin', { usersOnly: true }),
      request: { params: z.object({ orgId: OrgId }), ...jsonBody(CreateInvitation) },
      responses: { 201: jsonResponse(CreatedInvitation, 'Invitation created'), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      const access = c.var.access;
      if (!canGrant(access.role, body.role)) throw new ForbiddenError('Only owners can invite owners');
      const now = deps.clock();
      const token = newSecret(INVITATION_TOKEN_PREFIX);
      const invitation = await deps.stores.invitations.create(
        {
          id: newId('invitation'),
          orgId,
          email: body.email,
          role: body.role,
          status: 'pending',
          createdAt: now.toISOString(),
          createdBy: access.actor.id,
          expiresAt: new Date(now.getTime() + INVITATION_TTL_DAYS * 86_400_000).toISOString(),
          acceptedBy: undefined,
        },
        sha256Hex(token),
      );
      await audit(c, deps, {
        orgId,
        actor: access.actor,
        action: 'invitation.created',
        target: invitation.id,
        details: { email: invitation.email, role: invitation.role },
      });
      const base = deps.config.publicUrl ?? new URL(c.req.url).origin;
      const acceptUrl = `${base}/invitations/${token}`;
      return c.json({ ...toInvitationView(invitation), token, acceptUrl }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/invitations',
      tags: ['members'],
      summary: 'Invitations of the organisation',
      security: userSecurity,
      middleware: orgAccess('admin', { usersOnly: true }),
      request: { params: z.object({ orgId: OrgId }) },
      responses: { 200: jsonResponse(InvitationList, 'Invitations'), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const invitations = await deps.stores.invitations.list(orgId);
      return c.json({ items: invitations.map(toInvitationView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/orgs/{orgId}/invitations/{invitationId}',
      tags: ['members'],
      summary: 'Revoke a pending invitation',
      security: userSecurity,
      middleware: orgAccess('admin', { usersOnly: true }),
      request: { params: z.object({ orgId: OrgId, invitationId: InvitationId }) },
      responses: { 204: noContent, ...errorResponses },
    }),
    async (c) => {
      const { orgId, invitationId } = c.req.valid('param');
      const access = c.var.access;
      try {
        await deps.stores.invitations.close(orgId, invitationId, 'revoked');
      } catch (error) {
        if (error instanceof ConditionFailedError) throw new ConflictError('The invitation is no longer pending');
        throw error;
      }
      await audit(c, deps, { orgId, actor: access.actor, action: 'invitation.revoked', target: invitationId });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/invitations/{token}/accept',
      tags: ['members'],
      summary: 'Accept an invitation as the signed-in user (whose e-mail it was sent to)',
      security: userSecurity,
      middleware: userOnly,
      request: { params: z.object({ token: z.string().min(10).max(200) }) },
      responses: { 200: jsonResponse(OrganisationView, 'You are now a member'), ...errorResponses },
    }),
    async (c) => {
      const user = c.var.user;
      const { token } = c.req.valid('param');
      const invitation = await deps.stores.invitations.findByTokenHash(sha256Hex(token));
      const gone = new NotFoundError('This invitation does not exist, has expired or was revoked');
      if (!invitation || invitation.status === 'revoked') throw gone;
      if (invitation.status === 'pending' && new Date(invitation.expiresAt) <= deps.clock()) throw gone;
      if (invitation.email !== user.email) {
        throw new ForbiddenError(`This invitation was sent to another e-mail address; log in as that user`);
      }
      if (invitation.status === 'accepted' && invitation.acceptedBy !== user.id) throw gone;
      // Membership first, then the invitation: a retry after a crash in between finds the member and finishes.
      const existing = await deps.stores.organisations.getMember(invitation.orgId, user.id);
      if (!existing) {
        await deps.stores.organisations.putMember({
          orgId: invitation.orgId,
          userId: user.id,
          role: invitation.role,
          email: user.email,
          name: user.name,
          joinedAt: deps.clock().toISOString(),
        });
      }
      if (invitation.status === 'pending') {
        await deps.stores.invitations.close(invitation.orgId, invitation.id, 'accepted', user.id).catch((error) => {
          if (!(error instanceof ConditionFailedError)) throw error;
        });
        await audit(c, deps, {
          orgId: invitation.orgId,
          actor: { type: 'user', id: user.id },
          action: 'invitation.accepted',
          target: invitation.id,
          details: { role: invitation.role },
        });
      }
      const org = await deps.stores.organisations.get(invitation.orgId);
      if (!org) throw gone;
      const member = await deps.stores.organisations.getMember(org.id, user.id);
      return c.json(toOrganisationView(org, member?.role), 200);
    },
  );
}

function isSelf(principal: Principal | undefined, userId: string | undefined): boolean {
  return principal?.kind === 'user' && principal.user.id === userId;
}
