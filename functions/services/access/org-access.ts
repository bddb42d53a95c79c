/**
 * Who may act on an organisation, and how. Anyone who is not a member (or an API key of another organisation) is
 * told the organisation does not exist, so ids cannot be probed. The API declares this per route as middleware
 * (functions/api/access.ts); services that find the organisation only later (governance acting with a key) ask here.
 */
import { hasRole, type Organisation, type Principal, type Role } from '../../../shared/domain/organisation.ts';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../../shared/errors.ts';
import type { OrganisationsRepository } from '../../../shared/store/organisations.repository.ts';

export interface Actor {
  readonly type: 'user' | 'api_key';
  readonly id: string;
}

export interface OrgAccess {
  readonly org: Organisation;
  readonly role: Role;
  readonly actor: Actor;
}

export interface OrgAccessRule {
  /** The least role the caller needs. */
  readonly role: Role;
  /** Credentials and members: API keys are refused altogether. */
  readonly usersOnly?: boolean;
}

export type MembershipLookup = Pick<OrganisationsRepository, 'get' | 'getMember'>;

/**
 * Checks that `principal` may act on `orgId` with at least `rule.role`. API keys act as `developer` with the
 * `write` scope and as `viewer` with `read`.
 */
export async function resolveOrgAccess(
  organisations: MembershipLookup,
  principal: Principal | undefined,
  orgId: string,
  rule: OrgAccessRule,
): Promise<OrgAccess> {
  if (!principal) throw new UnauthorizedError('Log in or send a bearer token');
  const notFound = () => new NotFoundError('No such organisation');

  if (principal.kind === 'api_key') {
    const key = principal.apiKey;
    if (key.orgId !== orgId) throw notFound();
    const org = await organisations.get(orgId);
    if (!org) throw notFound();
    if (rule.usersOnly) throw new ForbiddenError('This needs a signed-in user, not an API key');
    const role: Role | undefined = key.scopes.includes('write')
      ? 'developer'
      : key.scopes.includes('read')
        ? 'viewer'
        : undefined;
    if (!role || !hasRole(role, rule.role)) {
      throw new ForbiddenError(`This API key's scopes (${key.scopes.join(', ')}) do not allow this`);
    }
    return { org, role, actor: { type: 'api_key', id: key.id } };
  }

  // Independent reads, made side by side: one round trip to the table instead of two on every request.
  const [membership, org] = await Promise.all([
    organisations.getMember(orgId, principal.user.id),
    organisations.get(orgId),
  ]);
  if (!membership || !org) throw notFound();
  if (!hasRole(membership.role, rule.role)) {
    throw new ForbiddenError(`This needs the ${rule.role} role or higher; you are ${membership.role}`);
  }
  return { org, role: membership.role, actor: { type: 'user', id: principal.user.id } };
}

/** How a caller's access to an organisation is decided: `resolveOrgAccess`, unless a test breaks it on purpose. */
export type OrgAccessResolver = typeof resolveOrgAccess;
